"""Judging a game day: each step as it ends (contained or spread, how long the front door took
to recover), and the whole exercise at the end with the same checks as a scenario run.

A step is judged over its own window with the containment check itself (`check_containment`
over a copy of the observations holding that one fault), so a step's verdict in the console, the
journal and the report is the one a scenario with that fault would get.

In a split game day (`firebreak gameday --split`) a step on one of the entrypoint's edges is also
judged as its experiment arm's front door against the control's in the same seconds
(checks/split_arms.py): decided worse, the step spread to the front door, whatever the
comparison with the time before it said. An HTTP error fault is answered by the edge's balancer
to both arms, so it stays judged over time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.checks.containment import HELD, SPREAD, check_containment
from harness.checks.promise_view import resolve_promises
from harness.checks.recovery import recovery_seconds
from harness.checks.split_arms import decided_worse, judge_split_expecting, worse_summary
from harness.gameday.exercise import Step
from harness.observe.series import FaultWindow, Observations
from harness.scenario import Expectations
from harness.scenario_faults import HTTP_MODE_FAULT_TYPES
from harness.split_plan import SplitPlan

PENDING, CONTAINED, SPREAD_VERDICT, NO_EVIDENCE = "pending", "contained", "spread", "no evidence"


def judge_step(
    obs: Observations,
    step: Step,
    window: FaultWindow,
    entrypoint: str,
    expect: Expectations,
    split: SplitPlan | None = None,
) -> dict[str, Any]:
    """A finished step's outcome: `contained` (nothing beyond the blast radius moved), `spread`
    (naming where), or `no evidence` (the front door saw no request during it); with how long
    the front door took to be steady again after it, once it was."""
    if window.reverted_at is None:
        return {"verdict": PENDING, "summary": "Still running."}
    alone = replace(obs, faults=[window])
    promises = resolve_promises(alone, expect.promises, entrypoint)
    checks, propagation = check_containment(
        alone, list(expect.blast_radius), expect.tolerance, entrypoint, promises=promises
    )
    check = checks[0]
    states = propagation[0]["services"]
    spread = sorted(s for s, state in states.items() if state == SPREAD)
    if check.passed:
        verdict = CONTAINED
    elif check.numbers.get("escaped"):
        verdict = SPREAD_VERDICT
    else:
        verdict = NO_EVIDENCE
    recovery_s, _ = recovery_seconds(alone, entrypoint, expect.tolerance, promises)
    summary = check.summary
    if recovery_s is not None:
        summary += f" The front door was steady again {recovery_s:.1f} s after it ended."
    outcome = {
        "verdict": verdict,
        "summary": summary,
        "states": states,
        "spread_to": spread,
        "held": sorted(s for s, state in states.items() if state == HELD),
        "recovery_s": None if recovery_s is None else round(recovery_s, 1),
        "hypothesis": step.hypothesis,
    }
    answered_by_balancer = window.fault_type in HTTP_MODE_FAULT_TYPES
    if split and not answered_by_balancer and any(t in split.edges for t in window.targets):
        _with_arms(outcome, alone, split, expect, entrypoint)
    return outcome


def _with_arms(
    outcome: dict[str, Any],
    alone: Observations,
    split: SplitPlan,
    expect: Expectations,
    entrypoint: str,
) -> None:
    """The step's front door by arm, in its outcome; a difference decided worse spreads it."""
    checks, unlike = judge_split_expecting(alone, split, expect, entrypoint)
    outcome["split"] = {c.name: {"summary": c.summary, **c.numbers} for c in checks}
    if unlike is not None:
        outcome["summary"] += f" The arms were not compared: {unlike}."
        return
    worse = decided_worse(checks)
    if worse:
        outcome["verdict"] = SPREAD_VERDICT
        outcome["spread_to"] = sorted(set(outcome["spread_to"]) | {entrypoint})
        outcome["summary"] = worse_summary(worse)
    else:
        outcome["summary"] += " " + " ".join(c.summary for c in checks)


def settled(outcome: dict[str, Any] | None) -> bool:
    """An outcome worth no more judging: its recovery was found."""
    return bool(outcome) and outcome.get("recovery_s") is not None
