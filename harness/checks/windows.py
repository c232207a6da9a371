"""Indicators over a time window, from the per-second series: the one place checks aggregate.

A second `t` belongs to the window [start, end) when its middle (t + 0.5) does: the load stream
dates a request by the second it completed in, so this splits boundary seconds fairly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.latency_histogram import LatencyHistogram
from harness.observe.prometheus_text import ServiceIndicators
from harness.observe.series import FrontDoorPoint, Observations, ServicePoint


def _inside(t: int, start: float, end: float) -> bool:
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

        return {
            f"{prefix}requests": int(self.requests),
            f"{prefix}error_rate": round(self.error_rate, 4),
            f"{prefix}degraded_rate": round(self.degraded_rate, 4),
            f"{prefix}p50_ms": rounded(self.p50_ms),
            f"{prefix}p99_ms": rounded(self.p99_ms),
        }


EMPTY = WindowStats(0, 0, 0, 0, None, None, None)


def front_door_points(obs: Observations, start: float, end: float) -> list[FrontDoorPoint]:
    return [p for p in obs.front_door if _inside(p.t, start, end)]


def front_door_stats(obs: Observations, start: float, end: float) -> WindowStats:
    points = front_door_points(obs, start, end)
    return stats_of_front_door(points)


def stats_of_front_door(points: list[FrontDoorPoint]) -> WindowStats:
    if not points:
        return EMPTY
    histogram = LatencyHistogram()
    for point in points:
        histogram.merge(LatencyHistogram.from_json(point.histogram))

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
    )


def service_points(obs: Observations, service: str, start: float, end: float) -> list[ServicePoint]:
    return [p for p in obs.services.get(service, []) if _inside(p.t, start, end)]


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


# A p99 over fewer requests is the slowest one or two: one unlucky request is not a broken promise.
MIN_REQUESTS_FOR_P99 = 100
# How sure the failures must make us that the real failure rate is above the promised one.
CONFIDENCE = 0.95


def binomial_tail(failures: int, requests: int, p: float) -> float:
    """P(X >= failures) for X ~ Binomial(requests, p)."""
    if failures <= 0:
        return 1.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    mean = requests * p
    variance = mean * (1 - p)
    if failures > 500 and variance > 25:  # the normal approximation is accurate there
        z = (failures - 0.5 - mean) / math.sqrt(variance)
        return 0.5 * math.erfc(z / math.sqrt(2))
    below = 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    for k in range(failures):
        log_pmf = (
            math.lgamma(requests + 1)
            - math.lgamma(k + 1)
            - math.lgamma(requests - k + 1)
            + k * log_p
            + (requests - k) * log_q
        )
        below += math.exp(log_pmf)
    return max(0.0, 1.0 - below)


def availability_broken(failures: float, requests: float, availability: float) -> bool:
    """True when this many failures would be unlikely (< 5%) had the promise held."""
    if requests <= 0:
        return False
    return binomial_tail(int(failures), int(requests), 1.0 - availability) < 1 - CONFIDENCE
