"""Indicators over a time window, from the per-second series: the one place checks aggregate.

A second `t` belongs to the window [start, end) when its middle (t + 0.5) does: the load stream
dates a request by the second it completed in, so this splits boundary seconds fairly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.checks.statistics import LatencyCounts, quantile_rank_interval
from harness.latency_histogram import LatencyHistogram
from harness.observe.prometheus_text import ServiceIndicators
from harness.observe.series import FaultWindow, FrontDoorPoint, Observations, ServicePoint


def inside(t: int, start: float, end: float) -> bool:
    """Whether the per-second point labelled `t` belongs to [start, end)."""
    return start <= t + 0.5 < end


@dataclass(frozen=True)
class WindowStats:
    seconds: int
    requests: float
    failures: float
    degraded: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    # the whole distribution, to count requests slower than a bound (None: no latency known)
    latency: LatencyCounts | None = field(default=None, compare=False)
    markers: dict[str, int] = field(default_factory=dict, compare=False)
    # the p99's 95 % confidence interval from order statistics (front door only)
    p99_interval_ms: tuple[float, float | None] | None = None

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def degraded_rate(self) -> float:
        return self.degraded / self.requests if self.requests else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def numbers(self, prefix: str = "") -> dict[str, float | int | None]:
        def rounded(value: float | None, digits: int = 1) -> float | None:
            return None if value is None else round(value, digits)

        numbers: dict[str, float | int | None] = {
            f"{prefix}requests": int(self.requests),
            f"{prefix}error_rate": round(self.error_rate, 4),
            f"{prefix}degraded_rate": round(self.degraded_rate, 4),
            f"{prefix}p50_ms": rounded(self.p50_ms),
            f"{prefix}p99_ms": rounded(self.p99_ms),
        }
        if self.p99_interval_ms is not None:
            low, high = self.p99_interval_ms
            numbers[f"{prefix}p99_ci_low_ms"] = rounded(low)
            numbers[f"{prefix}p99_ci_high_ms"] = rounded(high)
        return numbers


EMPTY = WindowStats(0, 0, 0, 0, None, None, None)


def front_door_points(obs: Observations, start: float, end: float) -> list[FrontDoorPoint]:
    return [p for p in obs.front_door if inside(p.t, start, end)]


def front_door_stats(obs: Observations, start: float, end: float) -> WindowStats:
    points = front_door_points(obs, start, end)
    return stats_of_front_door(points)


def stats_of_front_door(points: list[FrontDoorPoint]) -> WindowStats:
    if not points:
        return EMPTY
    histogram = LatencyHistogram()
    markers: dict[str, int] = {}
    for point in points:
        histogram.merge(LatencyHistogram.from_json(point.histogram))
        for marker, count in point.markers.items():
            markers[marker] = markers.get(marker, 0) + count

    def percentile(q: float) -> float | None:
        return histogram.percentile(q) if histogram.count else None

    return WindowStats(
        seconds=len(points),
        requests=sum(p.requests for p in points),
        failures=sum(p.failures for p in points),
        degraded=sum(p.degraded for p in points),
        p50_ms=percentile(50),
        p95_ms=percentile(95),
        p99_ms=percentile(99),
        latency=histogram,
        markers=markers,
        p99_interval_ms=_p99_interval(histogram),
    )


def _p99_interval(histogram: LatencyHistogram) -> tuple[float, float | None] | None:
    ranks = quantile_rank_interval(histogram.count, 0.99)
    if ranks is None:
        return None
    lower, upper = ranks
    high = histogram.value_at_rank(upper) if upper <= histogram.count else None
    return histogram.value_at_rank(lower), high


def service_points(obs: Observations, service: str, start: float, end: float) -> list[ServicePoint]:
    return [p for p in obs.services.get(service, []) if inside(p.t, start, end)]


def service_stats(obs: Observations, service: str, start: float, end: float) -> WindowStats:
    points = service_points(obs, service, start, end)
    if not points:
        return EMPTY
    merged = ServiceIndicators()
    for point in points:
        for le, count in point.latency_buckets.items():
            key = float(le)
            merged.latency_buckets[key] = merged.latency_buckets.get(key, 0.0) + count
    return WindowStats(
        seconds=len(points),
        requests=sum(p.requests for p in points),
        failures=sum(p.errors for p in points),
        degraded=sum(p.degraded for p in points),
        p50_ms=merged.latency_percentile_ms(50),
        p95_ms=merged.latency_percentile_ms(95),
        p99_ms=merged.latency_percentile_ms(99),
        latency=merged if merged.latency_buckets else None,
    )


def dependency_total(
    obs: Observations, caller: str, callee: str, field_name: str, start: float, end: float
) -> float:
    total = 0.0
    for point in service_points(obs, caller, start, end):
        dependency = point.dependencies.get(callee)
        if dependency is not None:
            total += getattr(dependency, field_name)
    return total


# the baseline ends this long before the first fault
BEFORE_FAULT_S = 0.5


def baseline_span(obs: Observations) -> tuple[float, float]:
    """The baseline a fault window is compared with: the baseline phase up to half a second
    before the first fault, as for the steady state before faults, so the second a fault began
    in (whose answers it already touched) is not counted as before it. Seen at time scale 0.3 on
    fx-quotes: news slowed at 62.67 s put second 62's nine 220 ms answers in the baseline, its
    p99 from ~30 to 211 ms, and the latency bound derived from it hid the spread."""
    phase = obs.phase("baseline")
    if phase is None:
        return 0.0, 0.0
    first_fault_at = min((w.applied_at for w in obs.faults), default=phase.end)
    return phase.start, max(phase.start, min(phase.end, first_fault_at - BEFORE_FAULT_S))


def fault_window_end(obs: Observations, window: FaultWindow) -> float:
    """When a fault's window ends: its revert, or the run's end for one never reverted."""
    if window.reverted_at is not None:
        return window.reverted_at
    return max((p.end for p in obs.phases), default=0.0)
