"""A split run's divided service read by arm from its own counters (checks/split_view.py): the
fallback and amplification checks judge the experiment arm, with the control's in the same
seconds beside it."""

from __future__ import annotations

from types import SimpleNamespace

from harness.checks.amplification import check_amplification
from harness.checks.fallbacks import check_fallback_fired
from harness.observe.prometheus_text import DependencyIndicators, ServiceIndicators
from harness.observe.scraper import ScrapeSecond
from harness.observe.series import (
    DependencyPoint,
    FaultWindow,
    Observations,
    RunRecorder,
)
from harness.platforms.kubernetes.pods import PodSlot, pod_view
from harness.split_plan import CONTROL, EXPERIMENT, SplitPlan
from tests.checks.made_observations import PHASES, dependency, in_faults, service_series

EDGE = "gateway->inventory"
INVENTORY_SLOW = FaultWindow("inventory-slow", "latency", [EDGE], ["inventory"], 20.0, 30.0)


def retrying(calls: int, attempts: int) -> DependencyPoint:
    return DependencyPoint(calls, 0, 0, attempts - calls, attempts, 0, 0)


def split_observations(experiment_at, control_at) -> Observations:
    """The gateway's counters by arm, and summed as the plain series is."""
    arms = {
        EXPERIMENT: {
            "gateway": service_series(dependencies=lambda t: {"inventory": experiment_at(t)})
        },
        CONTROL: {"gateway": service_series(dependencies=lambda t: {"inventory": control_at(t)})},
    }
    whole = service_series(
        dependencies=lambda t: {"inventory": _sum(experiment_at(t), control_at(t))}
    )
    return Observations(
        services={"gateway": whole}, phases=PHASES, faults=[INVENTORY_SLOW], arms=arms
    )


def _sum(a: DependencyPoint, b: DependencyPoint) -> DependencyPoint:
    return DependencyPoint(
        a.calls + b.calls,
        a.failures + b.failures,
        a.fallbacks + b.fallbacks,
        a.retries + b.retries,
        a.attempts + b.attempts,
        max(a.breaker_state, b.breaker_state),
        a.breakers_open + b.breakers_open,
    )


def test_the_fallback_check_reads_the_experiment_arm_against_the_control():
    obs = split_observations(
        lambda t: dependency(failures=8, fallbacks=8) if in_faults(t) else dependency(),
        lambda t: dependency(),
    )
    result = check_fallback_fired(obs, EDGE)
    assert result.passed, result.summary
    assert result.numbers["fallbacks"] == 80  # the experiment's alone
    assert result.numbers["control_fallbacks"] == 0
    assert result.numbers["verdict"] == "more"  # it fell back more: the fault made it
    assert result.summary.startswith("In the experiment arm:")
    assert "the fault made it fire" in result.summary
    assert "experiment arm against its control arm" in result.judged_from


def test_a_fallback_the_control_served_as_often_is_not_the_faults_doing():
    busy_both = lambda t: dependency(failures=4, fallbacks=4) if in_faults(t) else dependency()  # noqa: E731
    result = check_fallback_fired(split_observations(busy_both, busy_both), EDGE)
    assert not result.passed
    assert "not the fault's doing" in result.summary
    assert result.numbers["control_fallbacks"] == result.numbers["fallbacks"] == 40


def test_a_silent_experiment_fails_whatever_the_control_did():
    result = check_fallback_fired(
        split_observations(lambda t: dependency(), lambda t: dependency()), EDGE
    )
    assert not result.passed
    assert "never served its fallback" in result.summary


def test_amplification_judges_the_experiment_arm_alone():
    # 3 attempts a call in the experiment, 1 in the control: 2× together, under a 2.5× bound
    obs = split_observations(
        lambda t: retrying(10, 30) if in_faults(t) else retrying(10, 10),
        lambda t: retrying(10, 10),
    )
    plain = Observations(services=obs.services, phases=PHASES, faults=[INVENTORY_SLOW])
    assert check_amplification(plain, 2.5)[0].passed  # diluted by the control's calls
    (result,) = check_amplification(obs, 2.5)
    assert not result.passed
    figures = result.numbers[EDGE]
    assert (figures["ratio"], figures["control_ratio"]) == (3.0, 1.0)
    assert "experiment arm alone (the control arm's: 1.00×" in figures["judged_from"]


def test_the_recorder_keeps_the_divided_service_by_arm_and_the_journal_keeps_it():
    recorder = RunRecorder()
    one = ServiceIndicators(requests=5, instances_scraped=1)
    one.dependencies["inventory"] = DependencyIndicators(calls=5, attempts=7)
    scrape = ScrapeSecond(t_s=12, services={"gateway": one}, arms={EXPERIMENT: {"gateway": one}})
    recorder.on_scrape(scrape)
    back = Observations.from_json(recorder.observations.to_json())
    (point,) = back.arms[EXPERIMENT]["gateway"]
    assert (point.t, point.requests, point.dependencies["inventory"].attempts) == (12, 5, 7)
    assert CONTROL not in back.arms


def test_an_instance_labelled_with_its_arm_is_counted_there_whatever_its_id():
    plan = SplitPlan("gateway", 2, ("gateway-0",), ("gateway-1",), (EDGE,), True, True)
    assert plan.arm_of_instance("gateway-1", {}) == CONTROL
    assert plan.arm_of_instance("gateway-1", {"arm": EXPERIMENT}) == EXPERIMENT
    assert plan.arm_of_instance("inventory-0", {}) is None
    # on Kubernetes a slot is bound to whichever pod of either Deployment: the pod's arm label
    pod = SimpleNamespace(
        metadata=SimpleNamespace(
            name="gateway-control-5f7-abc",
            labels={"app": "gateway", "io.firebreak/role": "replica", "io.firebreak/arm": CONTROL},
            creation_timestamp=None,
            deletion_timestamp=None,
        ),
        status=None,
    )
    view = pod_view(pod)
    assert view is not None and view.arm == CONTROL
    slot = PodSlot("gateway", 0, pod=view.name, arm=view.arm)
    assert plan.arm_of_instance(slot.instance_id, slot.snapshot().labels) == CONTROL
