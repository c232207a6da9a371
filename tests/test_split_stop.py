"""Ending a split run's faults once decided (harness/split_stop.py), on made-up seconds: a
fallback that is gone ends the faults within seconds, a healthy one once "within" is decided,
nothing ends before every fault is on, and the phases after the faults come forward."""

from __future__ import annotations

from types import SimpleNamespace

from harness.checks.split_arms import DECIDED_EVENT
from harness.observe.series import PhaseSpan, RunRecorder
from harness.scenario import Expectations
from harness.split_stop import end_faults_at, stopper_for
from harness.timeline import APPLY, REVERT, TimelineEvent
from tests.split_fixtures import FAULT_ON_T, PLAN, split_recorder


def _revert_event(at_s: float = 75.0) -> TimelineEvent:
    return TimelineEvent(at_s, REVERT, "slow", "latency", None, None, 0)


def _stopper():
    return stopper_for(PLAN, Expectations(), "gateway")


def _end(recorder: RunRecorder, pending: list) -> tuple[float, list[str], list[str]]:
    reverted, messages = [], []
    context = SimpleNamespace(on_event=None)
    saved_s = _stopper().end_faults_if_decided(
        recorder, pending, FAULT_ON_T + 10, context, reverted.append, messages.append
    )
    return saved_s, reverted, messages


def test_a_gone_fallback_ends_the_faults_at_once_and_says_so():
    recorder = split_recorder(seconds=5, experiment_failures=6)
    pending = [_revert_event()]
    saved_s, reverted, messages = _end(recorder, pending)
    assert reverted == ["slow"] and pending == []
    assert saved_s == 50.0
    obs = recorder.observations
    assert [(p.name, p.start - FAULT_ON_T, p.end - FAULT_ON_T) for p in obs.phases] == [
        ("baseline", -10, 0),
        ("faults", 0, 10),
        ("recovery", 10, 25),
    ]
    (event,) = [e for e in obs.events if e.kind == DECIDED_EVENT]
    assert "failures were decided worse" in event.detail
    assert messages and messages[0].startswith("The experiment's failures were decided worse")


def test_a_healthy_arm_ends_only_once_within_is_decided():
    assert _end(split_recorder(seconds=5, experiment_failures=0), [_revert_event()])[0] == 0.0
    # 0 of 720 failed in each arm: the anytime-valid bound on each rate is 1.4%, within the 2%
    # margin (at 480 it is 2.1%: not yet)
    assert _end(split_recorder(40, 0), [_revert_event()])[0] == 0.0
    saved_s, reverted, messages = _end(split_recorder(60, 0), [_revert_event()])
    assert saved_s == 50.0 and reverted == ["slow"], messages
    assert "failures within the margin" in messages[0]


def test_nothing_ends_while_a_fault_of_the_timeline_is_still_to_come():
    pending = [_revert_event(), TimelineEvent(40.0, APPLY, "later", "latency", None, None, 1)]
    assert _end(split_recorder(5, 6), pending) == (0.0, [], [])
    assert len(pending) == 2


def test_phases_after_a_decision_at_or_past_the_end_stay_as_written():
    phases = [PhaseSpan("faults", 0.0, 20.0), PhaseSpan("recovery", 20.0, 30.0)]
    assert end_faults_at(phases, 25.0) == 0.0
    assert [(p.start, p.end) for p in phases] == [(0.0, 20.0), (20.0, 30.0)]


def test_slow_answers_decided_worse_end_the_faults_while_failures_are_undecided():
    # no failure in either arm (undecided in 5 s), but every experiment answer past 500 ms
    recorder = split_recorder(seconds=5, experiment_failures=0, experiment_ms=900.0)
    recorder.observations.promises = {}
    stopper = stopper_for(
        PLAN, Expectations.model_validate({"promises": {"gateway": {"latency_p99_ms": 500}}}),
        "gateway",
    )  # fmt: skip
    said = stopper.decided(recorder.observations, FAULT_ON_T)
    assert (
        said == "the experiment's answers slower than 500 ms were decided worse than the control's"
    )


def test_nothing_is_decided_once_the_faults_are_over():
    # every fault reverted (no revert pending): the recovery's answers are not the fault's
    assert _end(split_recorder(5, 6), []) == (0.0, [], [])
    # a revert still pending, but the faults phase over: too late to end it early
    recorder = split_recorder(5, 6)
    reverted, messages = [], []
    saved_s = _stopper().end_faults_if_decided(
        recorder, [_revert_event()], FAULT_ON_T + 60, SimpleNamespace(on_event=None),
        reverted.append, messages.append,
    )  # fmt: skip
    assert (saved_s, reverted, messages) == (0.0, [], [])
    assert not recorder.observations.events


def test_looking_every_second_adds_only_the_new_seconds_and_decides_as_one_look_at_all():
    whole = split_recorder(60, 0)
    growing = RunRecorder()
    growing.observations.phases = whole.observations.phases
    growing.observations.faults = whole.observations.faults
    stopper = _stopper()
    said = None
    for point in whole.observations.front_door:
        growing.observations.front_door.append(point)
        said = stopper.decided(growing.observations, FAULT_ON_T)
        if said:
            break
    decided_at = len(growing.observations.front_door)
    # the same second a single look at all the seconds so far first decides
    assert _stopper().decided(split_recorder(decided_at - 1, 0).observations, FAULT_ON_T) is None
    assert said == _stopper().decided(split_recorder(decided_at, 0).observations, FAULT_ON_T)
    assert said and stopper._so_far["failures"][0].requests == 12 * decided_at


def test_answers_named_by_arm_count_as_the_replicas_do():
    """Kubernetes names the front door's servers by arm (a Service each), not by replica."""
    recorder = split_recorder(seconds=5, experiment_failures=6)
    for point in recorder.observations.front_door:
        point.servers = {
            "experiment": point.servers["gateway-0"],
            "control": point.servers["gateway-1"],
        }
    said = _stopper().decided(recorder.observations, FAULT_ON_T)
    assert said == "the experiment's failures were decided worse than the control's"
