"""A split run on Docker (issue 24): the gateway's containers divided into arms, the control's
reaching recommendations through its own control proxy in Toxiproxy's container, and the front
door's balancer container naming the replica that served each answer. With the gateway's
fallbacks switched off, the experiment is decided worse within seconds, the faults end early, and
the control arm, which the fault never reached, fails nothing. One run, about 40 s."""

from __future__ import annotations

import json

from tests.conftest import REPO_ROOT
from tests.integration.test_scenarios_on_sample import run_scenario

DEFAULT = REPO_ROOT / "scenarios" / "default.yaml"


def test_a_gone_fallback_is_decided_worse_than_its_control_arm_on_docker(tmp_path, sample_images):
    result = run_scenario(
        DEFAULT,
        tmp_path / "run",
        platform="docker",
        split=True,
        time_scale=0.6,
        env_overrides={"gateway": {"FIREBREAK_DISABLE": "fallbacks"}},
    )
    failures = next(c for c in result.checks if c.name == "split front door failures")
    assert failures.numbers["decided"] == "worse" and not failures.passed, failures.summary
    assert result.outcome == "failed"
    # every answer attributed: both arms served, and the fault never reached the control's
    assert failures.numbers["experiment_requests"] > 20
    assert failures.numbers["control_requests"] > 20
    assert failures.numbers["control_bad"] == 0, failures.summary
    journal = json.loads(result.journal_path.read_text())
    assert journal["platform"] == "docker"
    split = journal["evidence"]["split"]
    front_door = journal["observations"]["front_door"]
    servers = {name for p in front_door for name in p.get("servers", {})}
    assert servers == set(split["experiment"]) | set(split["control"]), servers
    assert any(e["kind"] == "decided" for e in journal["observations"]["events"])
