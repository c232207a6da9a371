"""Every check a scenario asks for, in a stable order, from the observations alone; and what the
verdict rests on: which services were seen only from the outside, what was declared but could
not be judged, whether the machine interfered, and each fault's retry amplification."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.checks.amplification import check_amplification, faulted_edges
from harness.checks.base import CheckResult, outcome_of
from harness.checks.breakers import check_breaker
from harness.checks.containment import check_containment
from harness.checks.evidence import seen_only_from_outside, why_unseen
from harness.checks.failure_answers import check_failure_answers
from harness.checks.fallbacks import check_fallback_fired
from harness.checks.fault_touched import check_faults_touched
from harness.checks.interference import Interference, judge_interference
from harness.checks.markers import check_markers
from harness.checks.promise_view import resolve_promises
from harness.checks.promises import check_promises
from harness.checks.reconciliation import integrity_checks
from harness.checks.recovery import check_recovery, fault_end, recovery_seconds
from harness.checks.split_arms import judge_split_expecting
from harness.checks.split_outcome import mark_split_checks, split_run_outcome
from harness.checks.split_service import split_service_checks
from harness.checks.steady_state import check_steady_state
from harness.checks.trace_evidence import with_traced_paths
from harness.checks.traffic import bypass_warnings
from harness.checks.windows import baseline_span
from harness.observe.series import Observations
from harness.split_plan import CONTROL, EXPERIMENT, SplitPlan

# after the last fault, this share of the recovery phase is left for recovering before the
# "steady state after recovery" window starts
RECOVERY_ALLOWANCE_SHARE = 0.5


@dataclass
class Evaluation:
    checks: list[CheckResult]
    propagation: list[dict[str, Any]]  # one entry per fault window
    interference: Interference
    evidence: dict[str, Any] = field(default_factory=dict)


def evaluate(
    obs: Observations, expect: Any, entrypoint: str, split: SplitPlan | None = None
) -> Evaluation:
    """Every check of a run. A split run whose front door tells its arms apart judges the
    answers promised while a dependency is cut from the experiment arm alone."""
    results: list[CheckResult] = []
    baseline = obs.phase("baseline")
    if baseline is not None:
        results.append(
            check_steady_state(obs, "before faults", *baseline_span(obs), expect.steady_state)
        )
    recovery = obs.phase("recovery")
    if recovery is not None and recovery.end - recovery.start >= 1.0:
        start = recovery.start + (recovery.end - recovery.start) * RECOVERY_ALLOWANCE_SHARE
        results.append(
            check_steady_state(obs, "after recovery", start, recovery.end, expect.steady_state)
        )
    targeted = {s for window in obs.faults for s in window.target_services}
    # every promise, wherever written, merged once: each check below reads only this view
    promises = resolve_promises(obs, expect.promises, entrypoint)
    results.extend(
        check_promises(
            obs,
            entrypoint,
            promises,
            targeted,
            _recovery_allowed_s(obs, expect, entrypoint, promises),
        )
    )
    entrypoint_promises = promises.endpoint_promises_of(entrypoint)
    edges_hit = {edge for window in obs.faults for edge in faulted_edges(obs, window)}
    edges_hit |= {t for window in obs.faults for t in window.targets if "->" in t}
    markers, notes = check_markers(obs, entrypoint, entrypoint_promises, edges_hit)
    results.extend(markers)
    experiment = split.served_by(EXPERIMENT) if split is not None and split.attributable else ()
    failure_answers, failure_answer_notes = check_failure_answers(
        obs, entrypoint, promises, experiment
    )
    results.extend(failure_answers)
    notes += failure_answer_notes
    results.extend(
        check_fallback_fired(obs, edge, entrypoint, entrypoint_promises)
        for edge in expect.fallbacks
    )
    results.extend(check_breaker(obs, edge) for edge in expect.breakers)
    containment, propagation = check_containment(
        obs, list(expect.blast_radius), expect.tolerance, entrypoint, promises=promises
    )
    with_traced_paths(containment, propagation, obs)
    results.extend(containment)
    # judged on every faulted edge, with the default budget where the scenario gives none
    retries = check_amplification(obs, expect.max_amplification, entrypoint)
    results.extend(retries)
    # a data store's TCP edge cannot be judged for retries: said, never passed in silence
    notes += [
        figures["not_judged"]
        for check in retries
        for figures in check.numbers.values()
        if isinstance(figures, dict) and "not_judged" in figures
    ]
    if obs.edge_evidence:  # a journal from before edges were counted cannot say
        results.extend(check_faults_touched(obs))
    if fault_end(obs) is not None and recovery is not None:
        results.append(
            check_recovery(obs, entrypoint, expect.tolerance, expect.recovery_s_max, promises)
        )
    results.extend(integrity_checks(obs.integrity, obs.reconciliation, expect.integrity))
    # each fault's figures, as its amplification check measured them (one check per fault)
    for check, entry in zip(retries, propagation, strict=True):
        entry["amplification"] = check.numbers
    outside = seen_only_from_outside(obs)
    notes += promises.problems()
    evidence = {
        "seen_only_from_outside": {service: why_unseen(obs, service) for service in outside},
        "not_judged": notes,
        "metrics": obs.metrics_evidence,
        "promises": promises.to_json(),  # the limits judged, each with where it was written
        "edges": {k: v for k, v in obs.edge_evidence.items() if k != "declared"},
        "warnings": bypass_warnings(obs, entrypoint, *baseline_span(obs)),
    }
    return Evaluation(results, propagation, judge_interference(obs), evidence)


def _recovery_allowed_s(obs: Observations, expect: Any, entrypoint: str, promises: Any) -> float:
    """How long after a cut's revert its promised failure answer still keeps the promise: the
    recovery measured, never more than the scenario's `recovery_s_max`. An open breaker answers
    as promised until its probe closes it; counting those answers against availability too
    would judge one slow close twice (the recovery check judges it)."""
    measured_s, _limits = recovery_seconds(obs, entrypoint, expect.tolerance, promises)
    allowed = [s for s in (measured_s, expect.recovery_s_max) if s is not None]
    return min(allowed, default=0.0)


@dataclass
class RunJudgement:
    """A run's outcome and what it rests on, as the journal records them."""

    outcome: str
    checks: list[CheckResult] = field(default_factory=list)
    propagation: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


def judge_run(
    obs: Observations,
    expect: Any,
    entrypoint: str,
    *,
    aborted: bool,
    error: bool,
    split: SplitPlan | None = None,
) -> RunJudgement:
    """Evaluate a run (a scenario's or a game day's) and give its outcome. An aborted run is
    judged too, over what it saw: the verdict then says why it was worth aborting; a run that
    ended in an error, or saw no phase, has no checks to give. A split run adds the front door
    judged as experiment against control (checks/split_arms.py)."""
    if error or not obs.phases:
        return RunJudgement(outcome_of([], aborted=aborted, error=error))
    evaluation = evaluate(obs, expect, entrypoint, split)
    checks = list(evaluation.checks)
    evidence = {**evaluation.evidence, "interference": evaluation.interference.to_json()}
    split_checks: list[CheckResult] = []
    unlike = None
    if split is not None:
        split_checks, unlike = judge_split_expecting(obs, split, expect, entrypoint)
        # deeper than the front door: the divided service's own answers, by arm
        service_checks, service_unlike = split_service_checks(obs, split, expect, entrypoint)
        split_checks += service_checks
        unlike = unlike or service_unlike
        evidence["split"] = {
            "plan": split.describe(),
            "experiment": list(split.served_by(EXPERIMENT)),
            "control": list(split.served_by(CONTROL)),
            "arms_unlike": unlike,
        }
    if not split_checks:  # a plain run, or arms the front door cannot tell apart
        outcome = outcome_of(
            checks,
            aborted=aborted,
            error=error,
            interfered=evaluation.interference.detected or unlike is not None,
        )
        return RunJudgement(outcome, checks, evaluation.propagation, evidence)
    busy = evaluation.interference.reasons if evaluation.interference.detected else []
    checks = mark_split_checks(checks + split_checks, busy)
    outcome = split_run_outcome(checks, aborted=aborted, error=error)
    return RunJudgement(outcome, checks, evaluation.propagation, evidence)
