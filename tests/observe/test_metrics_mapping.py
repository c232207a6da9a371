"""Services instrumented by common libraries are read under their own names: OpenTelemetry's
HTTP semantic conventions, Micrometer's, the sample's; health probes are not traffic."""

from __future__ import annotations

import pytest

from harness.observe.prometheus_text import counter_delta, indicators_from, parse_prometheus_text
from harness.service_contract import PRESETS, MetricsMapping
from tests.conftest import REPO_ROOT

# what instrumentation libraries export, as they name it (lines too long for a Python file)
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "metrics"

OTEL_BEFORE = (FIXTURES / "otel-before.prom").read_text()
OTEL_AFTER = (FIXTURES / "otel-after.prom").read_text()
MICROMETER = (FIXTURES / "micrometer.prom").read_text()


def read(before: str, after: str, names, health=()):
    delta = counter_delta(parse_prometheus_text(after), parse_prometheus_text(before))
    return indicators_from(delta, {}, names, health)


def test_opentelemetry_names_give_requests_errors_and_latency_without_the_health_probe():
    seen = read(OTEL_BEFORE, OTEL_AFTER, PRESETS["opentelemetry"], ("/healthz",))
    assert (seen.requests, seen.errors) == (100, 5)
    assert seen.has_requests and seen.has_duration
    assert seen.latency_buckets[0.1] == 95
    assert seen.count_above_ms(100.0) == pytest.approx(5.0)


def test_micrometer_names_and_a_histogram_in_milliseconds():
    names = MetricsMapping(preset="micrometer", duration_unit="milliseconds").names()
    seen = read("", MICROMETER.replace('le="0.05"', 'le="50"'), names)
    assert (seen.requests, seen.errors) == (52, 2)  # /actuator/health is not traffic
    assert seen.latency_buckets[0.05] == 40  # 50 ms, read in seconds


def test_a_service_whose_metrics_lack_the_mapped_counter_says_so():
    seen = read("", OTEL_AFTER, PRESETS["firebreak"])
    assert not seen.has_requests and seen.requests == 0
