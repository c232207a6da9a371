"""What a service may offer beyond running, each part optional: the promises it makes, the metrics
it exports (under whatever names its framework uses) and how its answers mark themselves degraded.

A team declares these in `system.yaml`; the sample system also publishes its promises at
`/promise`. Nothing here is required: a service with none of it is judged by what its callers and
the load generator saw (see docs/contracts.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- promises --------------------------------------------------------------------------------


# "503 Service Unavailable", "201 with status pending_payment": an answer written as its status
STATUS_IN_ANSWER = re.compile(r"^\s*([1-5][0-9]{2})\b")


class FallbackPromise(_Strict):
    """What a service answers when one of its dependencies fails, and the marker it carries."""

    answer: str = ""
    # the name an answer carries (header value or JSON field item) while this fallback serves;
    # null: the failure is not hidden (e.g. a 503), so there is no marker to look for
    degraded_marker: str | None = None
    # the status answered while this dependency fails; when not given, an `answer` that starts
    # with one ("503 Service Unavailable") gives it, so a promise written before this field
    # existed is judged on what it already says (harness.checks.failure_answers)
    status: Annotated[int, Field(ge=100, le=599)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _status_from_answer(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("status") is None:
            found = STATUS_IN_ANSWER.match(str(data.get("answer") or ""))
            if found:
                return {**data, "status": int(found.group(1))}
        return data


class EndpointPromise(_Strict):
    """One endpoint's promise: latency, availability, and its answers under dependency failure."""

    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    route: Annotated[str, Field(pattern=r"^/")]
    latency_p99_ms: Annotated[float, Field(gt=0)] | None = None
    # the share of requests answered without a 5xx (or no answer); degraded answers count
    availability: Annotated[float, Field(gt=0, le=1)] | None = None
    on_dependency_failure: dict[str, FallbackPromise] = {}

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def label(self) -> str:
        return f"{self.method} {self.route}"

    def marker_for(self, dependency: str) -> str | None:
        fallback = self.on_dependency_failure.get(dependency)
        return fallback.degraded_marker if fallback else None

    def status_for(self, dependency: str) -> int | None:
        """The status promised while `dependency` fails, if the promise names one."""
        fallback = self.on_dependency_failure.get(dependency)
        return fallback.status if fallback else None


def published_endpoints(document: Any) -> tuple[list[EndpointPromise], list[str]]:
    """The endpoint promises of a `/promise` document, and a note for each one that could not be
    read (a service's own document is not ours to refuse, but a promise we cannot read must be
    said, not dropped)."""
    if not isinstance(document, dict) or not isinstance(document.get("endpoints"), list):
        return [], ["the document has no `endpoints` list"]
    endpoints, problems = [], []
    known = set(EndpointPromise.model_fields)
    for index, raw in enumerate(document["endpoints"]):
        if not isinstance(raw, dict):
            problems.append(f"endpoints[{index}] is not an object")
            continue
        fallbacks = {
            name: {k: v for k, v in (f or {}).items() if k in FallbackPromise.model_fields}
            for name, f in (raw.get("on_dependency_failure") or {}).items()
        }
        try:
            endpoints.append(
                EndpointPromise.model_validate(
                    {
                        **{k: v for k, v in raw.items() if k in known},
                        "on_dependency_failure": fallbacks,
                    }
                )
            )
        except ValidationError as exc:
            problems.append(f"endpoints[{index}]: {exc.errors()[0]['msg']}")
    return endpoints, problems


# --- metrics ---------------------------------------------------------------------------------

MetricsPreset = Literal["firebreak", "opentelemetry", "prometheus_client", "micrometer"]


@dataclass(frozen=True)
class MetricNames:
    """The names a scraper reads, resolved from a preset and a system file's own choices."""

    path: str
    requests: str  # a counter of answered requests (a duration histogram's `_count` will do)
    status_label: str
    route_label: str
    duration: str | None  # a histogram's base name; its `_bucket` series are read
    duration_unit_s: float  # seconds per unit of the histogram's `le`
    degraded: str | None  # a counter of answers marked degraded
    dependencies: bool  # exports the sample toolkit's `dependency_*` families


PRESETS: dict[str, MetricNames] = {
    # the sample system's toolkit (docs/contracts.md §4)
    "firebreak": MetricNames(
        "/metrics",
        "http_requests_total",
        "status",
        "route",
        "http_request_duration_seconds",
        1.0,
        "http_degraded_responses_total",
        True,
    ),
    # OpenTelemetry HTTP semantic conventions, through its Prometheus exporter
    "opentelemetry": MetricNames(
        "/metrics",
        "http_server_request_duration_seconds_count",
        "http_response_status_code",
        "http_route",
        "http_server_request_duration_seconds",
        1.0,
        None,
        False,
    ),
    # prometheus_client instrumentations (prometheus-fastapi-instrumentator and the like)
    "prometheus_client": MetricNames(
        "/metrics",
        "http_requests_total",
        "status",
        "handler",
        "http_request_duration_seconds",
        1.0,
        None,
        False,
    ),
    # Spring Boot's Micrometer (`/actuator/prometheus`)
    "micrometer": MetricNames(
        "/actuator/prometheus",
        "http_server_requests_seconds_count",
        "status",
        "uri",
        "http_server_requests_seconds",
        1.0,
        None,
        False,
    ),
}


class MetricsMapping(_Strict):
    """Where a service's Prometheus metrics are and what they are called; a preset fills in
    every name not given."""

    preset: MetricsPreset = "firebreak"
    path: Annotated[str, Field(pattern=r"^/")] | None = None
    requests: str | None = None
    status_label: str | None = None
    route_label: str | None = None
    duration: str | None = None
    duration_unit: Literal["seconds", "milliseconds"] | None = None
    degraded: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _preset_shorthand(cls, data: Any) -> Any:
        # `metrics: opentelemetry` is short for `metrics: {preset: opentelemetry}`
        return {"preset": data} if isinstance(data, str) else data

    def names(self) -> MetricNames:
        base = PRESETS[self.preset]
        unit_s = base.duration_unit_s
        if self.duration_unit is not None:
            unit_s = 1.0 if self.duration_unit == "seconds" else 0.001
        return MetricNames(
            path=self.path or base.path,
            requests=self.requests or base.requests,
            status_label=self.status_label or base.status_label,
            route_label=self.route_label or base.route_label,
            duration=self.duration or base.duration,
            duration_unit_s=unit_s,
            degraded=self.degraded or base.degraded,
            dependencies=base.dependencies and self.preset == "firebreak",
        )


# --- degraded answers ------------------------------------------------------------------------


class DegradedRule(_Strict):
    """How an answer says it is degraded, and which fallbacks made it so (its markers)."""

    # degraded when this header is present and not empty; its comma-separated values are markers
    header: str | None = None
    # degraded when this field of a JSON body (dotted path) is a non-empty list or string, or
    # true; the list's items (or the string) are markers
    json_field: str | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> DegradedRule:
        if self.header is None and self.json_field is None:
            raise ValueError("a `degraded` rule needs `header`, `json_field` or both")
        return self


DEFAULT_DEGRADED_RULE = DegradedRule(header="X-Degraded")
