"""Every check a scenario asks for, in a stable order, from the observations alone; and what the
verdict rests on: which services were seen only from the outside, what was declared but could
not be judged, whether the machine interfered, and each fault's retry amplification."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.checks.amplification import amplification, check_amplification, faulted_edges
from harness.checks.base import CheckResult, outcome_of
from harness.checks.breakers import check_breaker
from harness.checks.containment import check_containment
from harness.checks.evidence import seen_only_from_outside, why_unseen
from harness.checks.fallbacks import check_fallback_fired
from harness.checks.integrity import check_integrity
from harness.checks.interference import Interference, judge_interference
from harness.checks.markers import check_markers
from harness.checks.promises import check_promises, traffic_promises
from harness.checks.recovery import check_recovery, fault_end
from harness.checks.steady_state import check_steady_state
from harness.observe.series import Observations

# after the last fault, this share of the recovery phase is left for recovering before the
# "steady state after recovery" window starts
RECOVERY_ALLOWANCE_SHARE = 0.5


def _before_faults_end(obs: Observations) -> float:
    """Where "before the faults" ends: the baseline's end, or half a second before the first
    fault, so the second a fault began in (whose answers it already touched) is not judged as
    steady."""
    baseline = obs.phase("baseline")
    assert baseline is not None
    first_fault_at = min((w.applied_at for w in obs.faults), default=baseline.end)
    return min(baseline.end, first_fault_at - 0.5)


@dataclass
class Evaluation:
    checks: list[CheckResult]
    propagation: list[dict[str, Any]]  # one entry per fault window
    interference: Interference
    evidence: dict[str, Any] = field(default_factory=dict)


def evaluate(obs: Observations, expect: Any, entrypoint: str) -> Evaluation:
    results: list[CheckResult] = []
    baseline = obs.phase("baseline")
    if baseline is not None:
        results.append(
            check_steady_state(
                obs, "before faults", baseline.start, _before_faults_end(obs), expect.steady_state
            )
        )
    recovery = obs.phase("recovery")
    if recovery is not None and recovery.end - recovery.start >= 1.0:
        start = recovery.start + (recovery.end - recovery.start) * RECOVERY_ALLOWANCE_SHARE
        results.append(
            check_steady_state(obs, "after recovery", start, recovery.end, expect.steady_state)
        )
    targeted = {s for window in obs.faults for s in window.target_services}
    results.extend(check_promises(obs, entrypoint, dict(expect.promises), targeted))
    entrypoint_promises = traffic_promises(obs, entrypoint)
    edges_hit = {edge for window in obs.faults for edge in faulted_edges(obs, window)}
    edges_hit |= {t for window in obs.faults for t in window.targets if "->" in t}
    markers, notes = check_markers(obs, entrypoint, entrypoint_promises, edges_hit)
    results.extend(markers)
    results.extend(
        check_fallback_fired(obs, edge, entrypoint, entrypoint_promises)
        for edge in expect.fallbacks
    )
    results.extend(check_breaker(obs, edge) for edge in expect.breakers)
    containment, propagation = check_containment(
        obs, list(expect.blast_radius), expect.tolerance, entrypoint
    )
    results.extend(containment)
    if expect.max_amplification is not None:
        results.extend(check_amplification(obs, expect.max_amplification))
    if fault_end(obs) is not None and recovery is not None:
        results.append(check_recovery(obs, entrypoint, expect.tolerance, expect.recovery_s_max))
    if expect.integrity:
        results.append(check_integrity(obs.integrity))
    run_end = max((p.end for p in obs.phases), default=0.0)
    for window, entry in zip(obs.faults, propagation, strict=True):
        entry["amplification"] = amplification(obs, window, run_end)
    outside = seen_only_from_outside(obs)
    for service, entry in obs.promises.items():
        notes += [
            f"`{service}`'s published promise: {problem}" for problem in entry.get("problems", [])
        ]
    evidence = {
        "seen_only_from_outside": {service: why_unseen(obs, service) for service in outside},
        "not_judged": notes,
        "metrics": obs.metrics_evidence,
    }
    return Evaluation(results, propagation, judge_interference(obs), evidence)


@dataclass
class RunJudgement:
    """A run's outcome and what it rests on, as the journal records them."""

    outcome: str
    checks: list[CheckResult] = field(default_factory=list)
    propagation: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


def judge_run(
    obs: Observations, expect: Any, entrypoint: str, *, aborted: bool, error: bool
) -> RunJudgement:
    """Evaluate a run (a scenario's or a game day's) and give its outcome. An aborted run is
    judged too, over what it saw: the verdict then says why it was worth aborting; a run that
    ended in an error, or saw no phase, has no checks to give."""
    if error or not obs.phases:
        return RunJudgement(outcome_of([], aborted=aborted, error=error))
    evaluation = evaluate(obs, expect, entrypoint)
    evidence = {**evaluation.evidence, "interference": evaluation.interference.to_json()}
    outcome = outcome_of(
        evaluation.checks,
        aborted=aborted,
        error=error,
        interfered=evaluation.interference.detected,
    )
    return RunJudgement(outcome, evaluation.checks, evaluation.propagation, evidence)
