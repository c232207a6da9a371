"""Ending a split run's fault phase once the arms' difference is decided (issue 24).

While the faults act, the runner asks every second whether the front door's answers, experiment
against control so far, decide each split check with the anytime-valid test
(`checks/arm_difference.sequential_verdict`). Looking every second is what that test allows: its
interval holds at every second at once, so stopping at the first decision keeps each wrong
verdict at most alpha/2. A run stopped this way is judged by that same test, never by the
fixed-window one, which peeking would invalidate (checks/split_arms.py).

The fault phase stops when one check is decided `worse` (the run fails whatever the rest say) or
when every check is decided; never before every fault of the timeline has been applied, and
never later than the scenario's own end of the faults. The recovery phase then follows at once,
as long as the scenario wrote it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from harness.checks.arm_difference import DEFAULT_ALPHA, WORSE, ArmCounts, sequential_verdict
from harness.checks.promise_view import resolve_promises
from harness.checks.split_arms import (
    DECIDED_EVENT,
    MIN_REQUESTS_PER_ARM,
    arm_counts,
    arm_seconds,
    check_margin,
    failures_judged,
    total_counts,
)
from harness.faults.base import FaultContext
from harness.observe.series import Observations, PhaseSpan, RunEvent, RunRecorder
from harness.split_plan import CONTROL, EXPERIMENT, SplitPlan
from harness.timeline import REVERT, TimelineEvent


class SplitStopper:
    def __init__(
        self, plan: SplitPlan, expect: Any, entrypoint: str, alpha: float = DEFAULT_ALPHA
    ) -> None:
        """`expect`: the scenario's expectations (its tolerance, blast radius and promises)."""
        self.plan, self.expect, self.entrypoint, self.alpha = plan, expect, entrypoint, alpha
        self.delta = expect.tolerance.error_rate_delta
        self.blast_radius = tuple(expect.blast_radius)
        self._bounds: list[tuple[str, float | None]] | None = None
        self._seconds_seen = 0  # the front door's seconds at the last look: one look a second
        # each check's arms so far, (experiment, control), added to as seconds come: a look
        # reads only the seconds new since the last, not the whole phase again
        self._so_far: dict[str, tuple[ArmCounts, ArmCounts]] = {}
        self._counted_to = 0  # the front door's points already in `_so_far`

    def decided(self, obs: Observations, faults_from: float) -> str | None:
        """Why the faults may end now (a sentence), or None while any check is undecided."""
        if not self.plan.attributable:
            return None
        checks = self._checks(obs)
        if not failures_judged(self.plan, self.blast_radius):
            checks = [(what, slow_ms) for what, slow_ms in checks if slow_ms is not None]
        if not checks:
            return None
        self._count_new_seconds(obs, faults_from, checks)
        said, undecided = [], False
        for what, slow_ms in checks:
            experiment, control = self._so_far[what]
            if min(experiment.requests, control.requests) < MIN_REQUESTS_PER_ARM:
                undecided = True
                continue
            margin = check_margin(self.delta, slow_ms)
            difference = sequential_verdict(experiment, control, margin, self.alpha)
            if difference.verdict == WORSE:  # one worse check fails the run: enough
                return f"the experiment's {what} were decided worse than the control's"
            undecided = undecided or difference.verdict is None
            said.append(f"{what} within the margin")
        if undecided:
            return None
        return "the arms' difference was decided: " + ", ".join(said)

    def _count_new_seconds(
        self, obs: Observations, faults_from: float, checks: list[tuple[str, float | None]]
    ) -> None:
        """Add the whole seconds that closed since the last look to each check's arms."""
        new = obs.front_door[self._counted_to :]
        self._counted_to = len(obs.front_door)
        if not new:
            return
        seconds = arm_seconds(obs, max(faults_from, new[0].t), math.inf)
        for what, slow_ms in checks:
            experiment, control = self._so_far.get(what, (ArmCounts(0, 0), ArmCounts(0, 0)))
            self._so_far[what] = (
                experiment
                + total_counts(arm_counts(seconds, self.plan.served_by(EXPERIMENT), slow_ms)),
                control + total_counts(arm_counts(seconds, self.plan.served_by(CONTROL), slow_ms)),
            )

    def _checks(self, obs: Observations) -> list[tuple[str, float | None]]:
        """The split checks the verdict will hold (split_arms.py): failures, and answers slower
        than the front door's promised p99 in the faults phase, resolved as the judge does."""
        if self._bounds is None:
            promised = resolve_promises(obs, self.expect.promises, self.entrypoint)
            limit = promised.promised_p99(self.entrypoint, "faults")
            self._bounds = [("failures", None)]
            if limit is not None:
                self._bounds.append((f"answers slower than {limit.value:g} ms", limit.value))
        return self._bounds

    def end_faults_if_decided(
        self,
        recorder: RunRecorder,
        pending: list[TimelineEvent],
        now: float,
        context: FaultContext,
        revert: Callable[[str], None],
        on_message: Callable[[str], None],
    ) -> float:
        """Once every fault of the timeline is on and the difference is decided: revert the
        faults now, drop their pending reverts, bring the recovery forward, and record why.
        Returns by how many seconds the run got shorter (0 while undecided)."""
        obs = recorder.observations
        applied = [w.applied_at for w in obs.faults]
        # only while every fault of the timeline is on: none still to come, some still to revert
        if not applied or not pending or any(e.action != REVERT for e in pending):
            return 0.0
        faults = obs.phase("faults")
        if faults is None or now >= faults.end:
            return 0.0
        if len(obs.front_door) == self._seconds_seen:  # nothing new since the last look
            return 0.0
        self._seconds_seen = len(obs.front_door)
        said = self.decided(obs, min(applied))
        if said is None:
            return 0.0
        # the reverts' confirmations are timed from now, when they were asked for
        context.on_event = lambda fault: recorder.on_fault_event(fault, now)
        for event in pending:
            revert(event.fault_name)
        pending.clear()
        saved_s = end_faults_at(obs.phases, now)
        message = f"{said} after {now - min(applied):.0f} s: the faults end {saved_s:.0f} s early"
        recorder.on_event(RunEvent(now, "runner", DECIDED_EVENT, "split", [], message))
        on_message(message[0].upper() + message[1:] + ".")
        return saved_s


def stopper_for(plan: SplitPlan | None, expect: Any, entrypoint: str) -> SplitStopper | None:
    """A stopper for a split run whose arms the front door can tell apart; else None."""
    if plan is None or not plan.attributable:
        return None
    return SplitStopper(plan, expect, entrypoint)


def end_faults_at(phases: list[PhaseSpan], now: float) -> float:
    """Cut the faults phase at `now` and bring the phases after it forward; returns by how many
    seconds the run got shorter."""
    faults = next((p for p in phases if p.name == "faults"), None)
    if faults is None or now >= faults.end:
        return 0.0
    saved_s = faults.end - now
    for phase in phases:
        if phase.start >= faults.end:
            phase.start -= saved_s
            phase.end -= saved_s
    faults.end = now
    return saved_s
