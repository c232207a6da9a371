"""What a system.yaml may say about a service beyond running it: declared promises, how its
metrics are named, how its answers mark themselves degraded; and the refusals with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import SystemSpecError
from harness.observe.promises import SOURCE_DECLARED, SOURCE_PUBLISHED, merge_promises
from harness.service_contract import published_endpoints
from harness.system import load_system
from sample_system.gateway.promise import PROMISE as GATEWAY_PROMISE
from tests.conftest import REPO_ROOT

DESCRIBED = """\
name: shop
entrypoint: front
services:
  front:
    command: ["node", "front.js"]
    port: 19001
    metrics: opentelemetry
    degraded: {json_field: degraded}
    promises:
      - method: get
        route: /quotes/{pair}
        latency_p99_ms: 800
        availability: 0.98
        on_dependency_failure:
          back: {answer: "a quote without news", degraded_marker: news}
    dependencies:
      back: {env: BACK_URL}
  back:
    command: ["node", "back.js"]
    port: 19002
    metrics: false
  legacy:
    command: ["java", "-jar", "legacy.jar"]
    port: 19003
    metrics: {preset: micrometer, duration_unit: milliseconds, path: /prometheus}
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "system.yaml"
    path.write_text(text)
    return load_system(path)


def refusal(tmp_path: Path, text: str) -> SystemSpecError:
    with pytest.raises(SystemSpecError) as caught:
        load(tmp_path, text)
    return caught.value


def test_a_service_can_say_how_it_is_instrumented_and_what_it_promises(tmp_path):
    system = load(tmp_path, DESCRIBED)
    front = system.services["front"]
    assert front.metric_names().requests == "http_server_request_duration_seconds_count"
    assert front.metric_names().status_label == "http_response_status_code"
    assert front.degraded.json_field == "degraded" and front.degraded.header is None
    (promise,) = front.promises
    assert promise.label == "GET /quotes/{pair}"
    assert promise.marker_for("back") == "news"
    assert system.services["back"].metric_names() is None
    legacy = system.services["legacy"].metric_names()
    assert (legacy.path, legacy.duration_unit_s, legacy.route_label) == (
        "/prometheus",
        0.001,
        "uri",
    )


def test_by_default_a_service_is_read_like_the_sample_and_marks_with_x_degraded(tmp_path):
    system = load(tmp_path, DESCRIBED)
    assert system.services["back"].degraded.header == "X-Degraded"
    sample = load_system(REPO_ROOT / "sample_system" / "system.yaml")
    assert sample.services["gateway"].metric_names().requests == "http_requests_total"


def test_a_fallback_for_something_that_is_not_a_dependency_is_refused(tmp_path):
    error = refusal(
        tmp_path, DESCRIBED.replace("          back: {answer", "          news: {answer")
    )
    assert error.field == "services.front.promises[0].on_dependency_failure.news"
    assert error.line == 15
    assert "`news` is not a dependency of `front`" in str(error)


def test_one_endpoint_promised_twice_is_refused(tmp_path):
    twice = DESCRIBED.replace(
        "    dependencies:\n      back:",
        "      - method: GET\n        route: /quotes/{pair}\n        availability: 0.9\n"
        "    dependencies:\n      back:",
    )
    error = refusal(tmp_path, twice)
    assert error.field == "services.front.promises[1].route"
    assert "already promised by promises[0]" in str(error)


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (("metrics: opentelemetry", "metrics: statsd"), "services.front.metrics", "micrometer"),
        (("degraded: {json_field: degraded}", "degraded: {}"), "services.front.degraded", "rule"),
        (("availability: 0.98", "availability: 98"), "services.front.promises[0].availability", ""),
        (("route: /quotes/{pair}", "route: quotes"), "services.front.promises[0].route", ""),
        (
            ("degraded_marker: news}", "degraded_marker: news, status: 700}"),
            "services.front.promises[0].on_dependency_failure.back.status",
            "599",
        ),
    ],
)
def test_bad_descriptions_name_the_field(tmp_path, change, field, expected):
    error = refusal(tmp_path, DESCRIBED.replace(*change))
    assert error.field == field
    assert expected in str(error)


def test_declared_promises_join_published_ones_and_win_on_the_same_endpoint(tmp_path):
    system = load(tmp_path, DESCRIBED)
    published = {
        "front": {
            "endpoints": [
                {"method": "GET", "route": "/quotes/{pair}", "availability": 0.5},
                {"method": "GET", "route": "/pairs", "latency_p99_ms": 50, "extra": "ignored"},
                {"method": "GET", "availability": 2},
            ]
        }
    }
    merged = merge_promises(published, {"back": "/promise answered 500"}, system)
    endpoints = {e["route"]: e for e in merged["front"]["endpoints"]}
    assert endpoints["/quotes/{pair}"]["availability"] == 0.98
    assert endpoints["/quotes/{pair}"]["source"] == SOURCE_DECLARED
    assert endpoints["/pairs"]["source"] == SOURCE_PUBLISHED
    assert len(merged["front"]["problems"]) == 1  # the endpoint without a route
    assert merged["back"] == {"endpoints": [], "problems": ["/promise answered 500"]}
    assert "legacy" not in merged


@pytest.mark.parametrize(
    ("fallback", "status"),
    [
        ('{answer: "503 Service Unavailable", degraded_marker: null}', 503),
        ('{answer: "201 with status pending_payment", degraded_marker: payments}', 201),
        ('{answer: "unavailable", status: 503}', 503),
        ('{answer: "503 Service Unavailable", status: 500}', 500),  # the field wins
        ('{answer: "a quote without news", degraded_marker: news}', None),
        ('{answer: "5030 is not a status"}', None),
    ],
)
def test_the_failure_status_is_declared_or_read_from_an_answer_that_starts_with_it(
    tmp_path, fallback, status
):
    system = load(
        tmp_path,
        DESCRIBED.replace('{answer: "a quote without news", degraded_marker: news}', fallback),
    )
    (promise,) = system.services["front"].promises
    assert promise.status_for("back") == status


def test_a_published_promise_carries_its_failure_status():
    endpoints, problems = published_endpoints(GATEWAY_PROMISE.model_dump())
    assert problems == []
    statuses = {e.label: {d: e.status_for(d) for d in e.on_dependency_failure} for e in endpoints}
    assert statuses["GET /products/{id}"]["catalog"] == 503
    assert statuses["GET /products/{id}"]["recommendations"] is None
    assert statuses["POST /orders"] == {"orders": 503}
