"""The fallback and amplification checks judged from a run's traces where they hold the edge's
calls, the counters beside them, and a disagreement said (checks/trace_evidence.py)."""

from __future__ import annotations

from harness.checks.amplification import check_amplification
from harness.checks.fallbacks import check_fallback_fired
from harness.observe.series import DependencyPoint, FaultWindow, Observations
from tests.checks.made_observations import PHASES, in_faults, service_series

EDGE = "gateway->recommendations"
SLOW = FaultWindow("slow-recs", "latency", [EDGE], ["recommendations"], 20.0, 30.0)


def traces(fallbacks_a_second: int, attempts_a_second: int = 10) -> dict:
    """Ten calls a second on the edge through the faults phase, as the traces saw them."""
    rows = [[t, 10, attempts_a_second, 10, fallbacks_a_second, 0] for t in range(20, 30)]
    return {
        "backend": "jaeger v1.75.0",
        "faults": [{"fault": "slow-recs", "edges": [EDGE], "absorbed_at": {}, "edge_calls": {}}],
        "edge_seconds": {EDGE: rows},
    }


def counted(fallbacks_a_second: int, attempts_a_second: int = 10) -> list:
    return service_series(
        dependencies=lambda t: {
            "recommendations": DependencyPoint(
                10, 10, fallbacks_a_second, 0, attempts_a_second, 0, 0
            )
            if in_faults(t)
            else DependencyPoint(10, 0, 0, 0, 10, 0, 0)
        }
    )


def observations(counter_fallbacks: int, traced_fallbacks: int, **kwargs) -> Observations:
    return Observations(
        services={"gateway": counted(counter_fallbacks, **kwargs)},
        phases=PHASES,
        faults=[SLOW],
        traces=traces(traced_fallbacks, **kwargs),
    )


def test_traces_and_the_counter_agreeing_pass_judged_from_traces():
    result = check_fallback_fired(observations(10, 10), EDGE)
    assert result.passed
    assert result.judged_from.startswith("traces")
    assert result.numbers["traces"]["fallbacks"] == 100
    assert result.numbers["fallbacks"] == 100  # the counter's, kept beside


def test_a_counter_that_fired_while_no_trace_saw_a_fallback_fails_saying_both():
    result = check_fallback_fired(observations(10, 0), EDGE)
    assert not result.passed
    assert "disagree" in result.summary
    assert "never fired" in result.numbers["traces"]["disagreement"]


def test_counts_far_apart_are_a_disagreement_too():
    result = check_fallback_fired(observations(10, 5), EDGE)
    assert not result.passed
    assert "traces saw 50 fallbacks, the counter 100" in result.summary


def test_without_traces_the_counter_judges_as_before():
    obs = observations(10, 0)
    obs.traces = {}
    result = check_fallback_fired(obs, EDGE)
    assert result.passed and result.judged_from == "`gateway`'s own fallback counter"


def test_amplification_reads_attempts_per_call_from_traces_with_the_counters_ratio_beside():
    obs = observations(10, 10, attempts_a_second=30)
    (result,) = check_amplification(obs, 2.5)
    figures = result.numbers[EDGE]
    assert figures["ratio"] == 3.0 and figures["judged_from"].startswith("traces")
    assert figures["counts_ratio"] == 3.0 and "disagreement" not in figures
    assert not result.passed  # 3 attempts a call over a 2.5× budget
