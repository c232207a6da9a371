"""Steady state that means steady, degraded markers checked on the answers, system-wide
integrity and retry amplification, on hand-made observations."""

from __future__ import annotations

from harness.checks.amplification import check_amplification
from harness.checks.integrity import check_integrity
from harness.checks.markers import check_markers
from harness.checks.steady_state import check_steady_state
from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FaultWindow, Observations
from harness.scenario import SteadyStateSpec
from harness.service_contract import EndpointPromise, FallbackPromise
from tests.checks.made_observations import (
    PHASES,
    dependency,
    front_door_series,
    in_faults,
    service_series,
)

PAGE_PROMISE = EndpointPromise(
    method="GET",
    route="/products/{id}",
    latency_p99_ms=500,
    availability=0.99,
    on_dependency_failure={
        "recommendations": FallbackPromise(answer="best sellers", degraded_marker="recs")
    },
)
RECS_FAULT = FaultWindow(
    "slow-recs",
    "latency",
    ["gateway->recommendations"],
    ["recommendations"],
    applied_at=20.0,
    reverted_at=30.0,
)


def baseline(obs: Observations, spec: SteadyStateSpec | None = None):
    return check_steady_state(obs, "before faults", 10, 20, spec or SteadyStateSpec())


def test_a_baseline_served_by_fallbacks_is_not_steady():
    # a third of the pages on the best-seller fallback before anything was injected
    gateway = service_series(
        dependencies=lambda t: {"recommendations": dependency(calls=10, fallbacks=3, failures=3)}
    )
    front_door = front_door_series(markers=lambda t: {"recs": 7})
    result = baseline(
        Observations(front_door=front_door, services={"gateway": gateway}, phases=PHASES)
    )
    assert not result.passed
    assert "degraded answers 35.00% > 1.00%" in result.summary
    assert "`gateway` served its fallback for `recommendations` in 30 of 100 calls (30.0%)" in (
        result.summary
    )
    assert result.numbers["fallbacks"] == {
        "gateway->recommendations": {"fallbacks": 30, "calls": 100}
    }


def test_a_breaker_open_in_the_baseline_is_not_steady_unless_allowed():
    gateway = service_series(
        dependencies=lambda t: {"inventory": dependency(breaker_state=2 if t in (12, 13) else 0)}
    )
    obs = Observations(front_door=front_door_series(), services={"gateway": gateway}, phases=PHASES)
    result = baseline(obs)
    assert not result.passed
    assert "breakers open: gateway->inventory (2 s)" in result.summary
    assert baseline(obs, SteadyStateSpec(allow_open_breakers=True)).passed


def test_a_healthy_baseline_with_a_stray_degraded_answer_is_steady():
    front_door = front_door_series(markers=lambda t: {"recs": 1} if t == 15 else {})
    result = baseline(Observations(front_door=front_door, phases=PHASES))
    assert result.passed, result.summary
    assert result.numbers["degraded_rate"] == 0.005


def test_a_p99_a_hair_over_the_bound_on_few_requests_is_not_a_broken_steady_state():
    # 3 of 200 requests at 158 ms: a p99 of 158 ms against 150 ms, well inside its interval
    front_door = front_door_series(latency_ms=lambda t: 20.0)
    for point in front_door:
        if point.t in (11, 14, 17):
            histogram = LatencyHistogram()
            histogram.record(20.0, 19)
            histogram.record(158.0)
            point.histogram = histogram.to_json()
    spec = SteadyStateSpec(p99_ms_max=150)
    result = baseline(Observations(front_door=front_door, phases=PHASES), spec)
    assert result.passed, result.summary
    assert result.numbers["p99_ms"] > 150
    # the interval reaches below the bound (and, over 200 requests, has no upper end)
    assert result.numbers["p99_ci_low_ms"] < 150
    assert result.numbers["p99_ci_high_ms"] is None
    # a tenth of the baseline's requests above the bound is no accident
    mostly_slow = front_door_series(latency_ms=lambda t: 160.0 if t % 10 == 0 else 20.0)
    result = baseline(Observations(front_door=mostly_slow, phases=PHASES), spec)
    assert not result.passed
    assert "(20 of 200 slower)" in result.summary


def test_a_fallback_that_serves_unmarked_answers_fails_with_the_numbers():
    gateway = service_series(
        dependencies=lambda t: {
            "recommendations": dependency(calls=20, fallbacks=20 if in_faults(t) else 0)
        }
    )
    unmarked = Observations(
        front_door=front_door_series(),
        services={"gateway": gateway},
        phases=PHASES,
        faults=[RECS_FAULT],
    )
    (result,), notes = check_markers(
        unmarked, "gateway", [PAGE_PROMISE], {"gateway->recommendations"}
    )
    assert not result.passed
    assert "it served 200 fallbacks but only 0 answers carried `recs` (0 answers failed)" in (
        result.summary
    )
    assert notes == []
    marked = Observations(
        front_door=front_door_series(markers=lambda t: {"recs": 20} if in_faults(t) else {}),
        services={"gateway": gateway},
        phases=PHASES,
        faults=[RECS_FAULT],
    )
    (result,), _ = check_markers(marked, "gateway", [PAGE_PROMISE], {"gateway->recommendations"})
    assert result.passed, result.summary
    assert result.numbers["faults"] == {"fallbacks": 200, "marked": 200, "failed": 0}


def test_a_marker_that_cannot_be_compared_is_said_not_passed():
    obs = Observations(front_door=front_door_series(), phases=PHASES, faults=[RECS_FAULT])
    results, notes = check_markers(obs, "gateway", [PAGE_PROMISE], {"gateway->recommendations"})
    assert results == []
    assert notes and "could not be judged: `gateway` exports no fallback counter" in notes[0]


def test_integrity_asks_every_service_and_fails_on_any_violation():
    answers = {
        "orders": {"accepted": 40, "violations": {"missing_orders": 0, "duplicate_orders": 0}},
        "payments": {"accepted": 40, "violations": {"duplicate_charges": 3}},
    }
    result = check_integrity(answers)
    assert not result.passed
    assert result.summary == "Data integrity broken: `payments` reports 3 duplicate charges."
    clean = {**answers, "payments": {"accepted": 40, "violations": {"duplicate_charges": 0}}}
    assert check_integrity(clean).passed


def test_integrity_without_an_answer_is_no_evidence():
    result = check_integrity({"payments": {"error": "payments/integrity answered 404"}})
    assert not result.passed
    assert "no evidence from `payments`: payments/integrity answered 404" in result.summary
    assert not check_integrity({}).passed
    # an older journal's single answer still reads
    assert not check_integrity({"service": "orders", "missing": 2, "duplicate_keys": 0}).passed


def test_retries_that_multiply_the_load_on_a_failing_dependency_break_the_bound():
    orders = service_series(
        dependencies=lambda t: {
            "payments": dependency(calls=10)
            if not in_faults(t)
            else _amplified(calls=10, attempts=30)
        }
    )
    fault = FaultWindow("payments-slow", "latency", ["orders->payments"], ["payments"], 20.0, 30.0)
    obs = Observations(services={"orders": orders}, phases=PHASES, faults=[fault])
    (result,) = check_amplification(obs, 2.0)
    assert not result.passed
    assert "`orders->payments` sent 300 attempts for 100 calls (3.00×, over 2× (scenario)" in (
        result.summary
    )
    (lenient,) = check_amplification(obs, 3.0)
    assert lenient.passed
    blind = Observations(phases=PHASES, faults=[fault])
    (unseen,) = check_amplification(blind, 3.0)
    assert not unseen.passed
    assert "no evidence for `orders->payments`" in unseen.summary


def _amplified(calls: int, attempts: int):
    point = dependency(calls=calls)
    point.attempts = attempts
    return point
