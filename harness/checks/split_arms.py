"""The front door judged as a difference between a split run's arms (issue 24): the experiment's
answers against the control's, served in the same seconds under the same load, so a busy
machine slows both alike and is no reason to withhold a verdict. Pure logic.

Each arm's answers are those the front door's balancer said its replicas served
(`LoadSecond.servers`). Two rates are compared, each with `arm_difference`:
- failed answers;
- answers slower than the front door's promised p99 (a promise of p99 ≤ X ms lets 1% be slower
  than X; the margin is the scenario's `error_rate_delta` on top of that 1%).

Before the faults the arms must agree (the same code, the same load): when their baseline
failure rates differ beyond the margin, the run is `inconclusive` (`arms_disagree`), not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.checks.arm_difference import (
    DEFAULT_ALPHA,
    WITHIN,
    WORSE,
    ArmCounts,
    first_decision,
    fixed_verdict,
    sequential_verdict,
)
from harness.checks.base import CheckResult
from harness.checks.promise_view import resolve_promises
from harness.checks.split_outcome import UNDECIDED
from harness.latency_histogram import LatencyHistogram
from harness.load.stream import EndpointSecond
from harness.observe.series import Observations
from harness.split_plan import CONTROL, EXPERIMENT, SplitPlan

MIN_REQUESTS_PER_ARM = 20
DECIDED_EVENT = "decided"  # the runner's event when it ended the faults once decided
JUDGED_FROM = "front door, by arm (the balancer's Served-By header), same seconds"


@dataclass(frozen=True)
class ArmSecond:
    """One second of the front door's answers, by the replica that served them."""

    t_s: int
    servers: Mapping[str, EndpointSecond]


def arm_counts(
    seconds: Sequence[ArmSecond], replicas: Sequence[str], slow_ms: float | None
) -> list[ArmCounts]:
    """Per second, one arm's answers and how many were bad: failed, or (with `slow_ms`) slower
    than it."""
    counted = []
    for second in seconds:
        requests = bad = 0
        for replica in replicas:
            served = second.servers.get(replica)
            if served is None:
                continue
            requests += served.requests
            bad += (
                served.failures
                if slow_ms is None
                else min(served.requests, served.histogram.count_above_ms(slow_ms))
            )
        counted.append(ArmCounts(requests, bad))
    return counted


def total_counts(counts: Sequence[ArmCounts]) -> ArmCounts:
    total = ArmCounts(0, 0)
    for second in counts:
        total = total + second
    return total


def check_margin(delta: float, slow_ms: float | None) -> float:
    """How much worse the experiment may be: the scenario's `error_rate_delta`, and for slow
    answers the 1% a promise of p99 lets be slower than its bound in either arm on top."""
    return delta if slow_ms is None else delta + 0.01


def arms_disagree(
    baseline: Sequence[ArmSecond], plan: SplitPlan, delta: float, alpha: float = DEFAULT_ALPHA
) -> str | None:
    """Why the arms cannot be compared (their baseline failure rates differ beyond the margin,
    either way), else None."""
    experiment = total_counts(arm_counts(baseline, plan.served_by(EXPERIMENT), None))
    control = total_counts(arm_counts(baseline, plan.served_by(CONTROL), None))
    for first, second, name in (
        (experiment, control, "experiment"),
        (control, experiment, "control"),
    ):
        if fixed_verdict(first, second, delta, alpha).verdict == WORSE:
            return (
                f"before the faults the {name} arm already failed {first.rate:.1%} of "
                f"{first.requests} answers against {second.rate:.1%} of {second.requests}: the "
                "arms are not alike, so their difference says nothing about the fault"
            )
    return None


def split_front_door_checks(
    faults_window: Sequence[ArmSecond],
    plan: SplitPlan,
    delta: float,
    promised_p99_ms: float | None,
    alpha: float = DEFAULT_ALPHA,
    stopped_early: bool = False,
    judge_failures: bool = True,
    subject: str = "front door",
    judged_from: str = JUDGED_FROM,
) -> list[CheckResult]:
    """The failure check (unless a cut of a required dependency makes failures what the system
    promises), and the latency check when the front door promises a p99. A fault phase that ran
    its full length is judged by the fixed-window test; one the runner ended once decided
    (split_stop.py), by the anytime-valid test that decided it."""
    bounds: list[tuple[str, float | None]] = [("failures", None)] if judge_failures else []
    if promised_p99_ms is not None:
        bounds.append(("slow answers", promised_p99_ms))
    return [
        _check(
            f"split {subject} {what}",
            faults_window,
            plan,
            slow_ms,
            delta,
            alpha,
            stopped_early,
            judged_from,
        )
        for what, slow_ms in bounds
    ]


def _check(
    name: str,
    seconds: Sequence[ArmSecond],
    plan: SplitPlan,
    slow_ms: float | None,
    delta: float,
    alpha: float,
    stopped_early: bool,
    judged_from: str,
) -> CheckResult:
    experiment_seconds = arm_counts(seconds, plan.served_by(EXPERIMENT), slow_ms)
    control_seconds = arm_counts(seconds, plan.served_by(CONTROL), slow_ms)
    experiment, control = total_counts(experiment_seconds), total_counts(control_seconds)
    margin = check_margin(delta, slow_ms)
    numbers = {
        "experiment_requests": experiment.requests,
        "experiment_bad": experiment.bad,
        "control_requests": control.requests,
        "control_bad": control.bad,
    }
    tolerance = {"margin": margin, "alpha": alpha, **({"slow_ms": slow_ms} if slow_ms else {})}
    if min(experiment.requests, control.requests) < MIN_REQUESTS_PER_ARM:
        return CheckResult(
            name,
            "split",
            False,
            f"No evidence: the arms served {experiment.requests} and {control.requests} answers "
            f"in the fault window (at least {MIN_REQUESTS_PER_ARM} each are needed).",
            numbers,
            tolerance,
            judged_from,
        )
    test = sequential_verdict if stopped_early else fixed_verdict
    difference = test(experiment, control, margin, alpha)
    decided_at, sequential = first_decision(
        list(zip(experiment_seconds, control_seconds, strict=True)), margin, alpha
    )
    numbers.update(
        {
            "difference": round(difference.estimate, 4),
            "difference_low": round(difference.low, 4),
            "difference_high": round(difference.high, 4),
            "decided_after_s": None if decided_at is None else decided_at + 1,
            "verdict": difference.verdict or UNDECIDED,
            "decided": sequential.verdict,
            "test": "anytime-valid (the faults ended once decided)" if stopped_early else "fixed",
        }
    )
    bad = "failed" if slow_ms is None else f"were slower than {slow_ms:g} ms"
    said = (
        f"Compared with a control arm under the same load: {experiment.rate:.1%} of the "
        f"experiment's {experiment.requests} answers {bad}, {control.rate:.1%} of the control's "
        f"{control.requests}; {difference.describe(margin)}"
    )
    if decided_at is not None:
        said += f"; decided after {decided_at + 1} s"
    # within the margin passes; worse fails; undecided is not passed, and how much it counts
    # depends on the machine (checks/split_outcome.py)
    return CheckResult(
        name,
        "split",
        difference.verdict == WITHIN,
        said + ".",
        numbers,
        tolerance,
        judged_from,
    )


def arm_seconds(obs: Observations, start: float, end: float) -> list[ArmSecond]:
    """The front door's whole seconds within [start, end), by the replica that served them."""
    return [
        ArmSecond(
            point.t,
            {
                name: EndpointSecond(
                    int(figures["requests"]),
                    int(figures["failures"]),
                    int(figures.get("degraded", 0)),
                    LatencyHistogram.from_json(figures["histogram"]),
                )
                for name, figures in point.servers.items()
            },
        )
        for point in obs.front_door
        if start <= point.t and point.t + 1 <= end
    ]


def faults_window_by_arm(
    obs: Observations,
    plan: SplitPlan,
    delta: float,
    seconds_of: Callable[[Observations, float, float], list[ArmSecond]],
) -> tuple[list[ArmSecond], str | None]:
    """The arms' seconds over the faults (`seconds_of` reads them: the front door's, or the
    divided service's own), and why they cannot be compared instead, when their baseline
    failure rates already differed (`arms_disagree`)."""
    baseline = obs.phase("baseline")
    if baseline is not None:
        unlike = arms_disagree(seconds_of(obs, baseline.start, baseline.end), plan, delta)
        if unlike is not None:
            return [], unlike
    start = min(w.applied_at for w in obs.faults)
    end = max(w.reverted_at or obs.faults[-1].applied_at for w in obs.faults)
    return seconds_of(obs, start, end), None


def decided_worse(checks: Sequence[CheckResult]) -> list[CheckResult]:
    """The split checks whose experiment was decided worse than its control."""
    return [c for c in checks if c.kind == "split" and c.numbers.get("verdict") == WORSE]


def worse_summary(worse: Sequence[CheckResult]) -> str:
    """What a sweep's cell or a game day's step says when its front door was decided worse."""
    return "The front door was worse than the control arm's: " + " ".join(c.summary for c in worse)


def judge_split(
    obs: Observations,
    plan: SplitPlan,
    delta: float,
    promised_p99_ms: float | None,
    blast_radius: Sequence[str] = (),
) -> tuple[list[CheckResult], str | None]:
    """The split checks over the faults' window, and why the run is inconclusive (its arms
    unlike at baseline), if it is. Nothing when the front door cannot tell the arms apart."""
    if not plan.attributable or not obs.faults:
        return [], None
    window, unlike = faults_window_by_arm(obs, plan, delta, arm_seconds)
    if unlike is not None:
        return [], unlike
    stopped_early = any(e.source == "runner" and e.kind == DECIDED_EVENT for e in obs.events)
    checks = split_front_door_checks(
        window,
        plan,
        delta,
        promised_p99_ms,
        stopped_early=stopped_early,
        judge_failures=failures_judged(plan, blast_radius),
    )
    return checks, None


def judge_split_expecting(
    obs: Observations,
    plan: SplitPlan,
    expect: Any,
    entrypoint: str,
    blast_radius: Sequence[str] | None = None,
) -> tuple[list[CheckResult], str | None]:
    """`judge_split` with a scenario's expectations: its margin (`error_rate_delta`), the front
    door's p99 promised in the faults phase (the one promise view), and its blast radius, or
    `blast_radius` instead (a sweep's cell has none beyond its target)."""
    promised = resolve_promises(obs, expect.promises, entrypoint).promised_p99(entrypoint, "faults")
    return judge_split(
        obs,
        plan,
        expect.tolerance.error_rate_delta,
        promised.value if promised else None,
        tuple(expect.blast_radius if blast_radius is None else blast_radius),
    )


def failures_judged(plan: SplitPlan, blast_radius: Sequence[str]) -> bool:
    """Whether the arms' failures are compared: not when the scenario lets the failure reach
    the divided service (`catalog-down`'s blast radius holds the gateway, whose promised 503s
    the failure-answer check judges); then more failures in the experiment are no spread."""
    return plan.service not in blast_radius
