"""Services instrumented by common libraries are read under their own names: OpenTelemetry's
HTTP semantic conventions, Micrometer's, the sample's; health probes are not traffic."""

from __future__ import annotations

import pytest

from harness.observe.prometheus_text import counter_delta, indicators_from, parse_prometheus_text
from harness.service_contract import PRESETS, MetricsMapping

OTEL_BEFORE = """
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_route="/quotes/{pair}",http_response_status_code="200",le="0.1"} 0
http_server_request_duration_seconds_bucket{http_route="/quotes/{pair}",http_response_status_code="200",le="+Inf"} 0
http_server_request_duration_seconds_count{http_route="/quotes/{pair}",http_response_status_code="200"} 0
http_server_request_duration_seconds_sum{http_route="/quotes/{pair}",http_response_status_code="200"} 0
"""
OTEL_AFTER = """
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_route="/quotes/{pair}",http_response_status_code="200",le="0.1"} 90
http_server_request_duration_seconds_bucket{http_route="/quotes/{pair}",http_response_status_code="200",le="+Inf"} 95
http_server_request_duration_seconds_count{http_route="/quotes/{pair}",http_response_status_code="200"} 95
http_server_request_duration_seconds_sum{http_route="/quotes/{pair}",http_response_status_code="200"} 4.0
http_server_request_duration_seconds_bucket{http_route="/quotes/{pair}",http_response_status_code="503",le="0.1"} 5
http_server_request_duration_seconds_bucket{http_route="/quotes/{pair}",http_response_status_code="503",le="+Inf"} 5
http_server_request_duration_seconds_count{http_route="/quotes/{pair}",http_response_status_code="503"} 5
http_server_request_duration_seconds_sum{http_route="/quotes/{pair}",http_response_status_code="503"} 0.1
http_server_request_duration_seconds_bucket{http_route="/healthz",http_response_status_code="200",le="0.1"} 30
http_server_request_duration_seconds_bucket{http_route="/healthz",http_response_status_code="200",le="+Inf"} 30
http_server_request_duration_seconds_count{http_route="/healthz",http_response_status_code="200"} 30
http_server_request_duration_seconds_sum{http_route="/healthz",http_response_status_code="200"} 0.03
"""
MICROMETER = """
# TYPE http_server_requests_seconds histogram
http_server_requests_seconds_bucket{method="GET",outcome="SUCCESS",status="200",uri="/orders/{id}",le="0.05"} 40
http_server_requests_seconds_bucket{method="GET",outcome="SUCCESS",status="200",uri="/orders/{id}",le="+Inf"} 50
http_server_requests_seconds_count{method="GET",outcome="SUCCESS",status="200",uri="/orders/{id}"} 50
http_server_requests_seconds_sum{method="GET",outcome="SUCCESS",status="200",uri="/orders/{id}"} 3.0
http_server_requests_seconds_count{method="GET",outcome="SERVER_ERROR",status="500",uri="/orders/{id}"} 2
http_server_requests_seconds_sum{method="GET",outcome="SERVER_ERROR",status="500",uri="/orders/{id}"} 0.1
http_server_requests_seconds_count{method="GET",outcome="SUCCESS",status="200",uri="/actuator/health"} 9
http_server_requests_seconds_sum{method="GET",outcome="SUCCESS",status="200",uri="/actuator/health"} 0.1
"""


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
