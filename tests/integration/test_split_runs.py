"""A split run of the sample's default scenario on the local platform (issue 24): every answer of
the front door is attributed to an arm, a healthy gateway is no worse than its control, and one
with its fallback switched off is worse, decided within seconds. Two runs, about 40 s each."""

from __future__ import annotations

import json

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
    # 0 failures of about 300 an arm decides "within" at 95%; the time-based checks agree
    assert result.outcome == "passed", [(c.name, c.summary) for c in result.checks if not c.passed]


def test_without_its_fallback_the_experiment_arm_is_worse_decided_within_seconds(
    tmp_path, toxiproxy_server_binary
):
    result = run_scenario(
        DEFAULT,
        tmp_path / "run",
        split=True,
        time_scale=SPLIT_TIME_SCALE,
        env_overrides={"gateway": {"FIREBREAK_DISABLE": "fallbacks"}},
    )
    failures = _check(result, "split front door failures")
    assert not failures.passed and failures.numbers["decided"] == "worse", failures.summary
    assert failures.numbers["control_bad"] == 0  # the control arm never met the fault
    assert failures.numbers["decided_after_s"] <= 5
    assert result.outcome == "failed"
    # the faults ended once decided, and the verdict is the anytime-valid test's
    assert failures.numbers["test"].startswith("anytime-valid"), failures.numbers
    journal = json.loads(result.journal_path.read_text())
    (decided,) = [e for e in journal["observations"]["events"] if e["kind"] == "decided"]
    faults = next(p for p in journal["observations"]["phases"] if p["name"] == "faults")
    assert faults["end"] - faults["start"] < 9 * 0.8, (faults, decided["detail"])
