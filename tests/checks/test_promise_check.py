"""The promise check on hand-made observations: published limits, scenario overrides, and
overrides that hold only in some phases."""

from __future__ import annotations

from harness.checks.promise_view import resolve_promises
from harness.checks.promises import check_promises
from harness.checks.statistics import availability_broken
from harness.observe.series import Observations, PhaseSpan, ServicePoint
from harness.scenario import PromiseOverride

ORDERS_PROMISE = {
    "service": "orders",
    "endpoints": [
        {"method": "POST", "route": "/orders", "availability": 0.99, "source": "system.yaml"}
    ],
}
PHASES = [
    PhaseSpan("warmup", 0, 10),
    PhaseSpan("baseline", 10, 20),
    PhaseSpan("faults", 20, 30),
    PhaseSpan("recovery", 30, 40),
]


def orders_observations(errors_per_s_by_phase: dict[str, int]) -> Observations:
    """Ten orders a second; `errors_per_s_by_phase` of them fail in each phase."""
    points = []
    for phase in PHASES:
        for t in range(int(phase.start), int(phase.end)):
            errors = errors_per_s_by_phase.get(phase.name, 0)
            points.append(
                ServicePoint(
                    t,
                    requests=10,
                    errors=errors,
                    degraded=0,
                    p99_ms=None,
                    instances_scraped=2,
                    unreachable=0,
                )
            )
    return Observations(
        services={"orders": points}, phases=PHASES, promises={"orders": ORDERS_PROMISE}
    )


def orders_check(obs: Observations, overrides: dict[str, PromiseOverride]):
    promises = resolve_promises(obs, overrides, "gateway")
    (result,) = check_promises(obs, "gateway", promises, targeted_services={"inventory"})
    return result


def test_errors_beyond_the_published_availability_break_the_promise():
    result = orders_check(orders_observations({"faults": 1}), {})  # 10 failed of 100
    assert not result.passed
    assert "all routes during faults: availability 90.00% < 99.00% (10 failed of 100)" in (
        result.summary
    )
    assert result.tolerance == {
        "all routes": {
            "latency_p99_ms": None,
            "availability": 0.99,
            "availability_from": "system.yaml",
        }
    }


def test_an_override_loosens_every_phase_when_it_names_none():
    override = PromiseOverride(availability=0.8)
    result = orders_check(orders_observations({"faults": 1, "baseline": 1}), {"orders": override})
    assert result.passed, result.summary


def test_an_override_during_faults_leaves_the_other_phases_on_the_published_promise():
    override = PromiseOverride(availability=0.8, during=["faults"])
    loosened = orders_check(orders_observations({"faults": 1}), {"orders": override})
    assert loosened.passed, loosened.summary
    assert loosened.tolerance["all routes"]["faults"]["availability"] == 0.8
    assert loosened.tolerance["all routes"]["baseline"]["availability"] == 0.99

    still_held = orders_check(orders_observations({"recovery": 1}), {"orders": override})
    assert not still_held.passed
    assert "during recovery" in still_held.summary
    assert "during faults" not in still_held.summary


def test_a_targeted_service_is_not_judged_during_the_faults():
    obs = orders_observations({"faults": 5})
    promises = resolve_promises(obs, {}, "gateway")
    (result,) = check_promises(obs, "gateway", promises, targeted_services={"orders"})
    assert result.passed, result.summary
    assert "all routes faults" not in result.numbers
    assert result.numbers["all routes baseline"]["requests"] == 100


def test_availability_is_judged_with_a_binomial_test():
    # a 99% promise: one failure in thirty proves nothing, two do (issue 3's docs say so)
    assert not availability_broken(1, 30, 0.99)
    assert availability_broken(2, 30, 0.99)
    assert not availability_broken(0, 0, 0.99)
    assert availability_broken(10, 100, 0.99)
