"""A split run's divided service judged by arm from its own metrics (issue 24), where the front
door cannot tell the arms apart: a fault on a deeper edge (`orders->payments`) divides `orders`,
whose callers reach either arm. Pure logic.

Whatever the fault does to the experiment's replicas reaches the rest of the system only
through their answers: the errors they return and the time they take. So when the divided
service is outside the blast radius, its experiment arm's answers are compared with its control
arm's in the same seconds, as the front door's are in a split run of the entrypoint
(checks/split_arms.py): failed answers (5xx) and answers slower than a bound. The bound is the
service's promised p99 in the faults phase where it promises one; else the control arm's own p99
over the same seconds, widened as the containment check widens a baseline (`p99_factor`, at
least `p99_floor_ms` more): a threshold both arms are held to alike, so a busy machine moves
both.

Nothing is compared when the service is in the blast radius (its failing is allowed there, and
whether its callers held cannot be told by arm), or exports no request counter or latency
histogram by arm: then its checks stay time-based, and on a busy machine the run is
`inconclusive`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.checks.base import CheckResult
from harness.checks.promise_view import resolve_promises
from harness.checks.split_arms import (
    ArmSecond,
    faults_window_by_arm,
    split_front_door_checks,
)
from harness.load.stream import EndpointSecond
from harness.observe.prometheus_text import ServiceIndicators
from harness.observe.series import Observations, ServicePoint
from harness.split_plan import CONTROL, EXPERIMENT, SplitPlan


class BucketCounts:
    """A second's Prometheus buckets, read as the split checks read a histogram."""

    def __init__(self, buckets: dict[str, float]) -> None:
        self.indicators = ServiceIndicators(
            latency_buckets={float(le): count for le, count in buckets.items()}
        )

    def count_above_ms(self, bound_ms: float) -> float:
        return self.indicators.count_above_ms(bound_ms) or 0.0


def service_arm_seconds(
    obs: Observations, service: str, start: float, end: float
) -> list[ArmSecond]:
    """The divided service's whole seconds within [start, end), each arm under its own name."""
    by_arm = {arm: {p.t: p for p in obs.arms[arm][service]} for arm in (EXPERIMENT, CONTROL)}
    seconds = sorted(set(by_arm[EXPERIMENT]) & set(by_arm[CONTROL]))
    return [
        ArmSecond(t, {arm: _answers(points[t]) for arm, points in by_arm.items()})
        for t in seconds
        if start <= t and t + 1 <= end
    ]


def _answers(point: ServicePoint) -> EndpointSecond:
    return EndpointSecond(
        int(point.requests),
        min(int(point.errors), int(point.requests)),
        int(point.degraded),
        BucketCounts(point.latency_buckets),  # type: ignore[arg-type]
    )


def judges_service(obs: Observations, plan: SplitPlan, blast_radius: Sequence[str]) -> bool:
    """Whether the divided service is compared by arm from its own metrics (module docstring)."""
    if plan.attributable or plan.service in blast_radius:
        return False
    arms = [obs.arms.get(arm, {}).get(plan.service) for arm in (EXPERIMENT, CONTROL)]
    if not all(arms):
        return False
    points = [p for series in arms if series for p in series]
    return any(p.requests for p in points) and any(p.latency_buckets for p in points)


def slow_bound_ms(
    window: Sequence[ArmSecond], promised_ms: float | None, tolerance: Any
) -> float | None:
    """The promised p99, else the control's p99 over the window, widened (module docstring)."""
    if promised_ms is not None:
        return promised_ms
    merged = ServiceIndicators()
    for second in window:
        control = second.servers[CONTROL].histogram
        merged.add(control.indicators)  # type: ignore[attr-defined]
    p99 = merged.latency_percentile_ms(99)
    if p99 is None:
        return None
    return max(p99 * tolerance.p99_factor, p99 + tolerance.p99_floor_ms)


def split_service_checks(
    obs: Observations, plan: SplitPlan, expect: Any, entrypoint: str
) -> tuple[list[CheckResult], str | None]:
    """The divided service's split checks, and why its arms cannot be compared (unlike before
    the faults), if they cannot; nothing where it is not judged by arm."""
    if not obs.faults or not judges_service(obs, plan, list(expect.blast_radius)):
        return [], None
    service = plan.service
    window, unlike = faults_window_by_arm(
        obs,
        plan,
        expect.tolerance.error_rate_delta,
        lambda o, start, end: service_arm_seconds(o, service, start, end),
    )
    if unlike is not None:
        return [], f"`{service}`'s own metrics: {unlike}"
    promised = resolve_promises(obs, expect.promises, entrypoint).promised_p99(service, "faults")
    bound = slow_bound_ms(window, promised.value if promised else None, expect.tolerance)
    checks = split_front_door_checks(
        window,
        plan,
        expect.tolerance.error_rate_delta,
        bound,
        subject=f"`{service}`",
        judged_from=f"`{service}`'s own metrics, by arm (each replica's arm), same seconds",
    )
    return checks, None
