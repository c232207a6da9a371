"""Prometheus text → flat samples, and per-service indicators from two scrapes' difference.

The metric and label names come from the service's `metrics:` mapping in system.yaml (a preset
such as OpenTelemetry's or Micrometer's, or names of its own; `harness.service_contract`), so a
service instrumented by any common library can be read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from harness.service_contract import PRESETS, MetricNames

# requests to these routes are the harness (or a platform's probes) looking, not traffic
ADMIN_ROUTE_PREFIXES = ("/health", "/metrics", "/promise", "/integrity", "/actuator")
SAMPLE_METRICS = PRESETS["firebreak"]

SampleKey = tuple[str, tuple[tuple[str, str], ...]]
Samples = dict[SampleKey, float]


def parse_prometheus_text(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            samples[key] = float(sample.value)
    return samples


def counter_delta(current: Samples, previous: Samples | None) -> Samples:
    """Per-sample increase; a counter that went down was reset (a restarted instance)."""
    if previous is None:
        return {}
    delta: Samples = {}
    for key, value in current.items():
        before = previous.get(key, 0.0)
        delta[key] = value - before if value >= before else value
    return delta


# `dependency_breaker_state` values, by their number: the words every view of a breaker uses
BREAKER_STATE_NAMES = ("closed", "half-open", "open")


@dataclass
class DependencyIndicators:
    calls: float = 0.0
    attempts: float = 0.0
    failures: float = 0.0
    retries: float = 0.0
    fallbacks: float = 0.0
    breaker_state: int = 0  # the worst over the instances: 0 closed, 1 half-open, 2 open
    breakers_open: int = 0  # how many instances hold this breaker open

    def add(self, other: DependencyIndicators) -> None:
        self.calls += other.calls
        self.attempts += other.attempts
        self.failures += other.failures
        self.retries += other.retries
        self.fallbacks += other.fallbacks
        self.breaker_state = max(self.breaker_state, other.breaker_state)
        self.breakers_open += other.breakers_open


@dataclass
class ServiceIndicators:
    """One service in one second, summed over the instances that answered the scrape."""

    requests: float = 0.0
    errors: float = 0.0  # 5xx answers
    degraded: float = 0.0
    latency_buckets: dict[float, float] = field(default_factory=dict)  # le (s) → cumulative count
    dependencies: dict[str, DependencyIndicators] = field(default_factory=dict)
    instances_scraped: int = 0
    # which of the mapped series the scrape found at all (a counter that is absent is no evidence)
    has_requests: bool = False
    has_duration: bool = False

    def add(self, other: ServiceIndicators) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.degraded += other.degraded
        for le, count in other.latency_buckets.items():
            self.latency_buckets[le] = self.latency_buckets.get(le, 0.0) + count
        for name, dependency in other.dependencies.items():
            self.dependencies.setdefault(name, DependencyIndicators()).add(dependency)
        self.instances_scraped += other.instances_scraped
        self.has_requests = self.has_requests or other.has_requests
        self.has_duration = self.has_duration or other.has_duration

    def count_above_ms(self, bound_ms: float) -> float | None:
        """How many requests took longer than `bound_ms`, interpolating inside the bucket that
        holds the bound (as `latency_percentile_ms` does); None without buckets."""
        if not self.latency_buckets:
            return None
        bounds = sorted(self.latency_buckets.items())
        total = bounds[-1][1]
        bound_s = bound_ms / 1000.0
        lower_le, lower_count = 0.0, 0.0
        for le, count in bounds:
            if le >= bound_s:
                if le == float("inf"):
                    return total - lower_count
                share = (bound_s - lower_le) / (le - lower_le) if le > lower_le else 1.0
                return total - (lower_count + (count - lower_count) * share)
            lower_le, lower_count = le, count
        return total - bounds[-1][1]

    def latency_percentile_ms(self, q: float) -> float | None:
        """Percentile `q` (0..100) by linear interpolation inside Prometheus buckets."""
        if not self.latency_buckets:
            return None
        bounds = sorted(self.latency_buckets.items())
        total = bounds[-1][1]
        if total <= 0:
            return None
        rank = total * q / 100.0
        lower_le, lower_count = 0.0, 0.0
        for le, count in bounds:
            if count >= rank:
                if le == float("inf"):
                    return lower_le * 1000.0
                span = count - lower_count
                share = (rank - lower_count) / span if span > 0 else 1.0
                return (lower_le + (le - lower_le) * share) * 1000.0
            lower_le, lower_count = le, count
        return bounds[-1][0] * 1000.0


def indicators_from(
    delta: Samples,
    gauges: Samples,
    names: MetricNames = SAMPLE_METRICS,
    excluded_routes: tuple[str, ...] = (),
) -> ServiceIndicators:
    """Indicators of one instance from its counter increase and its current gauges; requests to
    admin routes and to `excluded_routes` (the service's own health paths) are not traffic."""
    result = ServiceIndicators(instances_scraped=1)
    skipped = (*ADMIN_ROUTE_PREFIXES, *excluded_routes)
    bucket_name = f"{names.duration}_bucket" if names.duration else None
    for (name, label_items), value in delta.items():
        labels = dict(label_items)
        if name in (names.requests, bucket_name, names.degraded) and labels.get(
            names.route_label, ""
        ).startswith(skipped):
            continue
        if name == names.requests:
            result.has_requests = True
            result.requests += value
            if str(labels.get(names.status_label, "")).startswith("5"):
                result.errors += value
        elif name == names.degraded:
            result.degraded += value
        elif name == bucket_name:
            result.has_duration = True
            le = float(labels["le"]) * names.duration_unit_s
            result.latency_buckets[le] = result.latency_buckets.get(le, 0.0) + value
        elif names.dependencies and name.startswith("dependency_") and "dependency" in labels:
            dependency = result.dependencies.setdefault(
                labels["dependency"], DependencyIndicators()
            )
            field_name = {
                "dependency_calls_total": "calls",
                "dependency_attempts_total": "attempts",
                "dependency_failures_total": "failures",
                "dependency_retries_total": "retries",
                "dependency_fallbacks_total": "fallbacks",
            }.get(name)
            if field_name is not None:
                setattr(dependency, field_name, getattr(dependency, field_name) + value)
    for (name, label_items), value in gauges.items():
        if names.dependencies and name == "dependency_breaker_state":
            labels = dict(label_items)
            dependency = result.dependencies.setdefault(
                labels.get("dependency", "?"), DependencyIndicators()
            )
            dependency.breaker_state = max(dependency.breaker_state, int(value))
            dependency.breakers_open += int(value == 2)
    return result


def sum_indicators(parts: Iterable[ServiceIndicators]) -> ServiceIndicators:
    total = ServiceIndicators()
    for part in parts:
        total.add(part)
    return total
