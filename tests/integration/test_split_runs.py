"""A split run of the sample's default scenario on the local platform (issue 24): every answer of
the front door is attributed to an arm, and a healthy gateway is no worse than its control. One
run, about 40 s. A gateway with its fallback switched off, worse and decided within seconds, is
run on Docker and Kubernetes (tests/docker/test_docker_split.py, tests/kubernetes/
test_kube_split.py), where the arms are built differently."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from tests.integration.test_scenarios_on_sample import run_scenario

DEFAULT = REPO_ROOT / "scenarios" / "default.yaml"
SPLIT_TIME_SCALE = 0.6  # 9 s of faults: about 300 answers an arm


def _check(result, name: str):
    return next(c for c in result.checks if c.name == name)


def test_a_healthy_gateway_is_no_worse_than_its_control(tmp_path, toxiproxy_server_binary):
    result = run_scenario(DEFAULT, tmp_path / "run", split=True, time_scale=SPLIT_TIME_SCALE)
    failures = _check(result, "split front door failures")
    slow = _check(result, "split front door slow answers")
    assert failures.numbers["experiment_requests"] > 100
    assert failures.numbers["control_requests"] > 100
    assert failures.numbers["decided"] != "worse", failures.summary
    assert slow.passed, slow.summary
    assert failures.summary.startswith("Compared with a control arm under the same load")
    # the gateway's own counters by arm: its fallback fired in the experiment alone
    fallback = _check(result, "fallback fired gateway->recommendations")
    assert fallback.passed, fallback.summary
    assert fallback.numbers["fallbacks"] > 20 and fallback.numbers["control_fallbacks"] == 0
    assert fallback.numbers["verdict"] == "more", fallback.summary  # the fault made it fire
    retries = _check(result, "amplification slow-recommendations").numbers
    assert "experiment arm alone" in retries["gateway->recommendations"]["judged_from"], retries
    # 0 failures of about 300 an arm decides "within" at 95%; the time-based checks agree
    assert result.outcome == "passed", [(c.name, c.summary) for c in result.checks if not c.passed]
