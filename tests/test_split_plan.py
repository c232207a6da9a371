"""Which replicas a split run divides into arms (harness/split_plan.py), on the shipped
scenarios, and the faults it refuses to split."""

from __future__ import annotations

import pytest

from harness.errors import ScenarioError
from harness.scenario import load_scenario_and_system
from harness.split_plan import CONTROL, EXPERIMENT, plan_split
from harness.timeline import plan
from tests.conftest import REPO_ROOT


def _split(name: str):
    scenario, system = load_scenario_and_system(REPO_ROOT / "scenarios" / f"{name}.yaml")
    return plan_split(system, plan(scenario, system))


def test_an_edge_fault_of_the_entrypoint_divides_its_replicas_and_the_front_door_sees_the_arms():
    split = _split("default")  # latency on gateway->recommendations
    assert (split.service, split.experiment, split.control) == (
        "gateway",
        ("gateway-0",),
        ("gateway-1",),
    )
    assert split.edges == ("gateway->recommendations",)
    assert split.attributable and not split.added_replica
    assert split.arm_of("gateway-0") == EXPERIMENT and split.arm_of("gateway-1") == CONTROL


def test_a_deeper_edge_is_split_but_judged_over_time_at_the_front_door():
    split = _split("payments-down")  # orders->payments
    assert split.service == "orders" and not split.attributable
    assert "judged over time, not by arm" in split.describe()


def test_an_instance_fault_makes_the_killed_replica_the_experiment():
    split = _split("inventory-replica-killed")
    assert split.experiment == ("inventory-1",) and split.control == ("inventory-0",)
    assert split.edges == ()


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("recommendations-all-killed", "reach every replica of `recommendations`"),
        ("game-day", "divides one service's replicas"),
    ],
)
def test_faults_that_leave_no_control_or_span_services_are_refused(name, said):
    with pytest.raises(ScenarioError, match=said):
        _split(name)
