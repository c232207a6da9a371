"""Containment, fallback-fired and breaker checks on hand-made observations."""

from __future__ import annotations

from harness.checks.breakers import check_breaker
from harness.checks.containment import check_containment
from harness.checks.fallbacks import check_fallback_fired
from harness.checks.promise_view import resolve_promises
from harness.observe.series import FaultWindow, Observations
from harness.scenario import ToleranceSpec
from tests.checks.made_observations import PHASES, dependency, in_faults, service_series

INVENTORY_DOWN = FaultWindow(
    name="inventory-down",
    fault_type="down",
    targets=["gateway->inventory"],
    target_services=["inventory"],
    applied_at=20.0,
    reverted_at=30.0,
)


def containment(services, blast_radius=()):
    obs = Observations(services=services, phases=PHASES, faults=[INVENTORY_DOWN])
    promises = resolve_promises(obs, {}, "")
    (result,), propagation = check_containment(
        obs, list(blast_radius), ToleranceSpec(), promises=promises
    )
    return result, propagation[0]["services"]


def test_a_service_whose_errors_rose_beyond_the_blast_radius_fails_containment():
    services = {
        "inventory": service_series(errors=lambda t: 10 if in_faults(t) else 0),
        "gateway": service_series(requests_per_s=20, errors=lambda t: 5 if in_faults(t) else 0),
    }
    result, states = containment(services)
    assert not result.passed
    assert states == {"gateway": "spread", "inventory": "injected"}
    assert result.numbers["escaped"] == ["gateway"]
    assert "spread beyond the blast radius to `gateway`: `gateway` error rate 0.00% → 25.00%" in (
        result.summary
    )
    allowed, _ = containment(services, blast_radius=["gateway"])
    assert allowed.passed, allowed.summary


def test_two_failures_among_a_quiet_services_calls_are_not_a_cascade():
    # 3 calls a second for 10 s, 2 of them failed: 6.7% is above the 2% tolerance, but a
    # service with a true 2% failure rate shows that often enough (binomial test)
    quiet = service_series(requests_per_s=3, errors=lambda t: 1 if t in (22, 27) else 0)
    result, states = containment({"payments": quiet})
    assert states["payments"] == "unaffected"
    assert result.passed, result.summary
    loud = service_series(requests_per_s=3, errors=lambda t: 1 if in_faults(t) else 0)
    _, states = containment({"payments": loud})
    assert states["payments"] == "spread"  # 10 of 30 is no accident


def test_one_slow_call_is_not_a_spread_but_many_are():
    one_slow = service_series(requests_per_s=3, slow=lambda t: 1 if t == 25 else 0)
    _, states = containment({"orders": one_slow})
    assert states["orders"] == "unaffected"
    many_slow = service_series(requests_per_s=3, slow=lambda t: 1 if in_faults(t) else 0)
    result, states = containment({"orders": many_slow})
    assert states["orders"] == "spread"
    seen = result.numbers["orders"]["own metrics"]
    assert seen["p99_ms"] > seen["p99_bound_ms"]


def test_a_caller_that_served_fallbacks_without_moving_held_the_failure():
    gateway = service_series(
        dependencies=lambda t: {
            "inventory": dependency(failures=10, fallbacks=10) if in_faults(t) else dependency()
        }
    )
    result, states = containment({"gateway": gateway})
    assert states["gateway"] == "held"
    assert "fallbacks held it in gateway" in result.summary


def gateway_observations(state_at, fallbacks_at=lambda t: 0) -> Observations:
    gateway = service_series(
        dependencies=lambda t: {
            "inventory": dependency(
                failures=fallbacks_at(t), fallbacks=fallbacks_at(t), breaker_state=state_at(t)
            )
        }
    )
    return Observations(services={"gateway": gateway}, phases=PHASES)


def test_the_fallback_check_reads_the_callers_counter_during_the_faults():
    obs = gateway_observations(lambda t: 0, fallbacks_at=lambda t: 3 if in_faults(t) else 0)
    result = check_fallback_fired(obs, "gateway->inventory")
    assert result.passed
    # the faults phase and the second after it (a fallback served then still belongs to the fault)
    assert result.numbers == {"fallbacks": 30, "failures": 30, "calls": 110}
    silent = check_fallback_fired(gateway_observations(lambda t: 0), "gateway->inventory")
    assert not silent.passed
    assert "never served its fallback for `inventory`" in silent.summary


def test_the_breaker_check_wants_open_during_the_faults_and_closed_at_the_end():
    opened_then_closed = gateway_observations(lambda t: 2 if 21 <= t < 26 else 0)
    result = check_breaker(opened_then_closed, "gateway->inventory")
    assert result.passed, result.summary
    assert result.numbers["open_seconds"] == 5

    never = check_breaker(gateway_observations(lambda t: 0), "gateway->inventory")
    assert not never.passed
    assert "never opened" in never.summary

    stuck = check_breaker(gateway_observations(lambda t: 2 if t >= 21 else 0), "gateway->inventory")
    assert not stuck.passed
    assert "still open at the end" in stuck.summary
