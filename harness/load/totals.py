"""Totals over a run of the load's seconds: what the driver and its tests add up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.latency_histogram import LatencyHistogram
from harness.load.stream import LoadSecond


@dataclass(frozen=True)
class LoadTotals:
    """Totals over a run of seconds; percentiles are None when nothing completed."""

    requests: int
    failures: int
    degraded: int
    seconds: int
    histogram: LatencyHistogram = field(compare=False)

    def _percentile_ms(self, q: float) -> float | None:
        return self.histogram.percentile(q) if self.histogram.count else None

    @property
    def p50_ms(self) -> float | None:
        return self._percentile_ms(50)

    @property
    def p95_ms(self) -> float | None:
        return self._percentile_ms(95)

    @property
    def p99_ms(self) -> float | None:
        return self._percentile_ms(99)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failure_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


def total_load(seconds: Iterable[LoadSecond], endpoint: str | None = None) -> LoadTotals:
    """Add up `seconds` (all endpoints, or only `endpoint` such as `"GET /ok"`)."""
    requests = failures = degraded = count_s = 0
    histogram = LatencyHistogram()
    for second in seconds:
        count_s += 1
        for name, figures in second.endpoints.items():
            if endpoint is not None and name != endpoint:
                continue
            requests += figures.requests
            failures += figures.failures
            degraded += figures.degraded
            histogram.merge(figures.histogram)
    return LoadTotals(requests, failures, degraded, count_s, histogram)
