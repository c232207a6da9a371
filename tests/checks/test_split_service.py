"""A split run of a deeper edge (issue 24): the front door cannot tell the arms apart, so the
divided service's own answers are compared by arm (harness/checks/split_service.py)."""

from __future__ import annotations

from dataclasses import replace

from harness.checks.split_service import split_service_checks
from harness.observe.series import FaultWindow, Observations
from harness.scenario import Expectations
from tests.checks.made_observations import PHASES, in_faults, service_series
from tests.split_fixtures import PLAN

ORDERS_PLAN = replace(
    PLAN,
    service="orders",
    experiment=("orders-0",),
    control=("orders-1",),
    edges=("orders->payments",),
    attributable=False,
)
PAYMENTS_DOWN = FaultWindow("payments-down", "down", ["orders->payments"], ["payments"], 20.0, 30.0)


def observations(errors=lambda t: 0, slow=lambda t: 0) -> Observations:
    arms = {
        "experiment": {"orders": service_series(40, errors=errors, slow=slow)},
        "control": {"orders": service_series(40)},
    }
    return Observations(phases=PHASES, faults=[PAYMENTS_DOWN], arms=arms)


def checks_of(obs: Observations, blast_radius=("payments",)) -> dict:
    expect = Expectations(blast_radius=list(blast_radius))
    checks, unlike = split_service_checks(obs, ORDERS_PLAN, expect, "gateway")
    assert unlike is None
    return {c.name: c for c in checks}


def test_a_deeper_service_that_held_is_no_worse_than_its_control():
    checks = checks_of(observations())
    assert set(checks) == {"split `orders` failures", "split `orders` slow answers"}
    failures = checks["split `orders` failures"]
    assert failures.passed and failures.numbers["verdict"] == "within", failures.summary
    assert "`orders`'s own metrics, by arm" in failures.judged_from
    # no promise: the control's own p99 in the same seconds, widened, is the bound
    assert checks["split `orders` slow answers"].tolerance["slow_ms"] >= 50


def test_a_deeper_service_whose_experiment_failed_or_slowed_is_worse():
    failing = checks_of(observations(errors=lambda t: 20 if in_faults(t) else 0))
    assert failing["split `orders` failures"].numbers["verdict"] == "worse"
    slow = checks_of(observations(slow=lambda t: 10 if in_faults(t) else 0))
    assert slow["split `orders` slow answers"].numbers["verdict"] == "worse"
    assert slow["split `orders` failures"].passed


def test_nothing_is_compared_inside_the_blast_radius_or_without_arms():
    assert checks_of(observations(), blast_radius=("payments", "orders")) == {}
    assert checks_of(Observations(phases=PHASES, faults=[PAYMENTS_DOWN])) == {}


def test_arms_unlike_before_the_faults_are_said():
    obs = observations(errors=lambda t: 10 if 10 <= t < 20 else 0)
    expect = Expectations(blast_radius=["payments"])
    checks, unlike = split_service_checks(obs, ORDERS_PLAN, expect, "gateway")
    assert checks == [] and "`orders`'s own metrics: before the faults" in unlike
