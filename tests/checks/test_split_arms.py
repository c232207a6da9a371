"""The front door judged as a difference between a split run's arms (harness/checks/split_arms.py),
on made-up seconds: a fallback that holds, one that is gone, and arms unlike before the fault."""

from __future__ import annotations

from harness.checks.split_arms import ArmSecond, arms_disagree, split_front_door_checks
from harness.latency_histogram import LatencyHistogram
from harness.load.stream import EndpointSecond
from tests.split_fixtures import PLAN


def _served(requests: int, failures: int, latency_ms: float) -> EndpointSecond:
    histogram = LatencyHistogram()
    histogram.record(latency_ms, requests)
    return EndpointSecond(requests, failures, 0, histogram)


def _seconds(n: int, experiment: tuple[int, int, float], control: tuple[int, int, float]):
    return [
        ArmSecond(t, {"gateway-0": _served(*experiment), "gateway-1": _served(*control)})
        for t in range(n)
    ]


def test_a_fallback_that_holds_passes_as_no_worse_than_the_control():
    failures, slow = split_front_door_checks(
        _seconds(30, (12, 0, 40.0), (12, 0, 35.0)), PLAN, delta=0.05, promised_p99_ms=500
    )
    assert failures.passed and slow.passed, (failures.summary, slow.summary)
    assert failures.summary.startswith("Compared with a control arm under the same load")
    assert failures.numbers["decided"] == "within"


def test_a_fallback_that_is_gone_fails_and_is_decided_within_seconds():
    failures, slow = split_front_door_checks(
        _seconds(30, (12, 6, 1000.0), (12, 0, 35.0)), PLAN, delta=0.05, promised_p99_ms=500
    )
    assert not failures.passed and not slow.passed
    assert failures.numbers["decided"] == "worse"
    assert failures.numbers["decided_after_s"] <= 5  # 4 s: 48 answers an arm
    assert "experiment − control +50.00%" in failures.summary


def test_too_few_answers_in_an_arm_is_no_evidence():
    (failures,) = split_front_door_checks(
        _seconds(3, (5, 0, 40.0), (5, 0, 40.0)), PLAN, delta=0.05, promised_p99_ms=None
    )
    assert not failures.passed and failures.summary.startswith("No evidence")


def test_arms_unlike_before_the_fault_cannot_be_compared():
    assert arms_disagree(_seconds(20, (12, 0, 40.0), (12, 0, 40.0)), PLAN, 0.05) is None
    said = arms_disagree(_seconds(20, (12, 0, 40.0), (12, 4, 40.0)), PLAN, 0.05)
    assert said is not None and "the control arm already failed 33.3%" in said


def test_failures_the_blast_radius_allows_at_the_front_door_are_no_difference_to_judge():
    from harness.checks.split_arms import judge_split
    from tests.split_fixtures import split_recorder

    obs = split_recorder(seconds=30, experiment_failures=6).observations
    obs.faults[0].reverted_at = 1030.0
    # catalog-down: the scenario lets the failure reach the gateway (its promised 503s)
    checks, unlike = judge_split(obs, PLAN, 0.02, 500, blast_radius=("gateway",))
    assert unlike is None
    assert [c.name for c in checks] == ["split front door slow answers"]
    # rates-blackhole: the front door is outside the blast radius, so its failures are a spread
    checks, _ = judge_split(obs, PLAN, 0.02, 500, blast_radius=("recommendations",))
    assert checks[0].name == "split front door failures" and not checks[0].passed
