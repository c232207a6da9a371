"""The timeline: phase windows, fault events with resolved targets, time scale, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioError
from harness.scenario import DownFault, Scenario, ServiceTarget, load_scenario_and_system
from harness.system import SystemSpec, load_system
from harness.timeline import APPLY, REVERT, plan, resolve_targets

FIXTURES = Path(__file__).parent / "fixtures"
TINY_GOOD = FIXTURES / "scenarios" / "tiny_good.yaml"
SAMPLE_SYSTEM = Path(__file__).parent.parent / "sample_system" / "system.yaml"


@pytest.fixture
def loaded() -> tuple[Scenario, SystemSpec]:
    return load_scenario_and_system(TINY_GOOD)


def test_phases_follow_each_other_from_the_start_of_the_run(
    loaded: tuple[Scenario, SystemSpec],
) -> None:
    timeline = plan(*loaded)
    assert [(w.name, w.start_s, w.end_s) for w in timeline.phases] == [
        ("warmup", 0.0, 2.0),
        ("baseline", 2.0, 12.0),
        ("faults", 12.0, 32.0),
        ("recovery", 32.0, 47.0),
    ]
    assert timeline.total_s == 47.0
    assert timeline.phase("faults").duration_s == 20.0


def test_fault_events_are_offsets_from_the_run_start_sorted_by_time(
    loaded: tuple[Scenario, SystemSpec],
) -> None:
    timeline = plan(*loaded)
    events = [(e.at_s, e.action, e.fault_name) for e in timeline.events]
    assert events == sorted(events, key=lambda e: e[0])
    assert (12.0, APPLY, "slow-back") in events  # at 0 s into the faults phase
    assert (22.0, REVERT, "slow-back") in events  # after its 10 s
    # no duration: reverted at the end of the faults phase
    assert (32.0, REVERT, "scale-down") in events


def test_every_applied_fault_is_reverted_once(loaded: tuple[Scenario, SystemSpec]) -> None:
    timeline = plan(*loaded)
    for fault in loaded[0].faults:
        actions = [e.action for e in timeline.events if e.fault_name == fault.name]
        assert actions == [APPLY, REVERT]


def test_reverts_come_before_applies_at_the_same_instant(
    loaded: tuple[Scenario, SystemSpec],
) -> None:
    timeline = plan(*loaded)
    at_27 = [(e.action, e.fault_name) for e in timeline.events if e.at_s == 27.0]
    assert at_27 == [(REVERT, "down-1"), (APPLY, "pause-front")]


def test_targets_resolve_to_edges_and_instances(loaded: tuple[Scenario, SystemSpec]) -> None:
    timeline = plan(*loaded)
    assert timeline.targets_of("slow-back").edges == ("front->back",)
    assert timeline.targets_of("down-1").edges == ("front->back",)  # {service: back}
    assert timeline.targets_of("pause-front").instances == ("front-1",)  # labels replica "1"
    assert len(timeline.targets_of("kill-one-back").instances) == 1  # count 1
    assert len(timeline.targets_of("scale-down").instances) == 1  # 50 % of 2


def test_the_same_seed_gives_the_same_timeline(loaded: tuple[Scenario, SystemSpec]) -> None:
    assert plan(*loaded, seed=11) == plan(*loaded, seed=11)
    scenario, system = load_scenario_and_system(TINY_GOOD)  # read afresh: nothing cached
    assert plan(scenario, system, seed=11) == plan(*loaded, seed=11)


def test_the_seed_decides_which_instances_are_picked(
    loaded: tuple[Scenario, SystemSpec],
) -> None:
    picks = {plan(*loaded, seed=seed).targets_of("kill-one-back").instances for seed in range(20)}
    assert picks == {("back-0",), ("back-1",)}


def test_the_scenario_seed_is_the_default(loaded: tuple[Scenario, SystemSpec]) -> None:
    scenario, system = loaded
    assert plan(scenario, system).seed == scenario.seed == 7
    assert plan(scenario, system) == plan(scenario, system, seed=7)


def test_time_scale_multiplies_phases_and_fault_times_but_not_parameters(
    loaded: tuple[Scenario, SystemSpec],
) -> None:
    scenario = loaded[0]
    fast = scenario.scaled(0.2)
    # warm-up, baseline and recovery keep their floors (3, 5, 10 s, never above the original)
    assert fast.phases.lengths_s() == {
        "warmup": 2.0,
        "baseline": 5.0,
        "faults": 4.0,
        "recovery": 10.0,
    }
    slow_back = fast.faults[0]
    assert (slow_back.at_s, slow_back.duration_s) == (0.0, 2.0)
    assert slow_back.latency_ms == 1000  # type: ignore[union-attr]
    assert fast.faults[2].at_s == 1.0 and fast.faults[2].duration_s is None
    assert fast.guardrails[0].for_s == scenario.guardrails[0].for_s
    assert fast.expect == scenario.expect
    assert fast.path == scenario.path
    assert scenario.phases.faults_s == 20.0  # the original is untouched


def test_a_scaled_timeline_is_the_original_scaled(loaded: tuple[Scenario, SystemSpec]) -> None:
    scenario, system = loaded
    original = plan(scenario, system)
    fast = plan(scenario.scaled(0.2), system)
    original_start = original.phase("faults").start_s
    fast_start = fast.phase("faults").start_s
    assert [round((e.at_s - original_start) * 0.2, 6) for e in original.events] == [
        round(e.at_s - fast_start, 6) for e in fast.events
    ]
    assert [e.targets for e in original.events] == [e.targets for e in fast.events]
    assert fast.phase("faults").duration_s == pytest.approx(
        original.phase("faults").duration_s * 0.2
    )
    assert fast.total_s == pytest.approx(2.0 + 5.0 + 4.0 + 10.0)


@pytest.mark.parametrize("time_scale", [0.0, -1.0, float("inf"), float("nan")])
def test_a_time_scale_that_is_not_positive_is_refused(
    loaded: tuple[Scenario, SystemSpec], time_scale: float
) -> None:
    with pytest.raises(ScenarioError, match="expected a number above 0"):
        loaded[0].scaled(time_scale)


def test_a_service_target_hits_every_edge_into_the_service() -> None:
    system = load_system(SAMPLE_SYSTEM)
    down = DownFault.model_validate({"type": "down", "name": "x", "target": {"service": "x"}})

    def edges_into(service: str) -> tuple[str, ...]:
        fault = down.model_copy(update={"target": ServiceTarget(service=service)})
        return resolve_targets(fault, system, seed=1).edges

    assert edges_into("inventory") == ("gateway->inventory", "orders->inventory")
    assert edges_into("catalog") == ("gateway->catalog", "recommendations->catalog")
    # the entrypoint's only way in is the front door
    assert edges_into("gateway") == ("load->gateway",)
