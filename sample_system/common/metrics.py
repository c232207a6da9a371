"""Prometheus metrics of one replica (docs/contracts.md §4) and the middleware that feeds them.

Each app owns a :class:`Metrics` with its own registry: one process runs one app, so that is one
registry per process, and tests that run several apps in one process keep their figures apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.process_collector import ProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEGRADED_HEADER = "X-Degraded"
# Buckets around the promises (hundreds of ms), with room for the slow tails faults produce.
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
UNMATCHED_ROUTE = "unmatched"


class Metrics:
    """The metric families every sample service exports."""

    content_type: str = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        r = self.registry
        self.http_requests = Counter(
            "http_requests_total",
            "Requests this instance answered.",
            ["route", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "http_request_duration_seconds",
            "How long requests took.",
            ["route"],
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self.http_degraded = Counter(
            "http_degraded_responses_total", "Answers marked degraded.", ["route"], registry=r
        )
        self.dependency_calls = Counter(
            "dependency_calls_total", "Logical calls to a dependency.", ["dependency"], registry=r
        )
        self.dependency_attempts = Counter(
            "dependency_attempts_total", "HTTP attempts actually sent.", ["dependency"], registry=r
        )
        self.dependency_failures = Counter(
            "dependency_failures_total",
            "Failed calls to a dependency.",
            ["dependency", "reason"],
            registry=r,
        )
        self.dependency_retries = Counter(
            "dependency_retries_total", "Retries made.", ["dependency"], registry=r
        )
        self.dependency_fallbacks = Counter(
            "dependency_fallbacks_total",
            "Fallbacks served in place of a dependency.",
            ["dependency"],
            registry=r,
        )
        self.dependency_breaker_state = Gauge(
            "dependency_breaker_state",
            "Breaker state: 0 closed, 1 half-open, 2 open.",
            ["dependency"],
            registry=r,
        )

    def register_dependency(self, name: str, breaker_state: Callable[[], float]) -> None:
        """Make a dependency's series exist at zero and read its breaker state at scrape time."""
        self.dependency_calls.labels(name)
        self.dependency_attempts.labels(name)
        self.dependency_retries.labels(name)
        self.dependency_fallbacks.labels(name)
        # Read at scrape time: purgatory's own state lags (open -> half-open waits for a call).
        self.dependency_breaker_state.labels(name).set_function(breaker_state)

    def render(self) -> bytes:
        """The Prometheus text exposition of this replica."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Count every answer by route template, its duration, and whether it was degraded.

    A pure ASGI middleware (not BaseHTTPMiddleware) because it runs on every request under load.
    The degraded counter lives here, fed by the `X-Degraded` header, so a service marks an answer
    degraded in one way only.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_s = time.perf_counter()
        status_code = 500
        degraded = False

        async def send_and_observe(message: Message) -> None:
            nonlocal status_code, degraded
            if message["type"] == "http.response.start":
                status_code = message["status"]
                for key, value in message.get("headers", []):
                    if key.lower() == b"x-degraded" and value.strip():
                        degraded = True
            await send(message)

        try:
            await self.app(scope, receive, send_and_observe)
        finally:
            route = scope.get("route")
            # The template keeps the label set small: `/products/{id}`, never `/products/42`.
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            self.metrics.http_requests.labels(template, str(status_code)).inc()
            self.metrics.http_duration.labels(template).observe(time.perf_counter() - started_s)
            if degraded:
                self.metrics.http_degraded.labels(template).inc()
