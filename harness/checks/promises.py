"""Promises: did each service keep what it publishes (`/promise`) in every phase?

The entrypoint is judged where its consumers stand, at the front door (through the load edge's
proxy), per endpoint. Other services are judged on their own metrics, against the loosest of
their endpoint promises (the scraper sums routes). A service that a fault targets is not judged
during the faults phase: it is the failure, not a victim of it.
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.windows import (
    MIN_REQUESTS_FOR_P99,
    WindowStats,
    availability_broken,
    service_stats,
    stats_of_front_door,
)
from harness.observe.prometheus_text import ADMIN_ROUTE_PREFIXES
from harness.observe.series import FrontDoorPoint, Observations


def _endpoint_points(obs: Observations, key: str, start: float, end: float) -> list[Any]:
    points = []
    for point in obs.front_door:
        if start <= point.t + 0.5 < end and key in point.endpoints:
            figures = point.endpoints[key]
            points.append(
                FrontDoorPoint(
                    t=point.t,
                    requests=figures["requests"],
                    failures=figures["failures"],
                    degraded=figures["degraded"],
                    users=point.users,
                    histogram=figures.get("histogram", {}),
                )
            )
    return points


def front_door_key(obs: Observations, method: str, route: str) -> str | None:
    """The load stream's name for an endpoint: `GET /x`, however the locustfile named it."""
    names = {name for point in obs.front_door for name in point.endpoints}
    for name in (f"{method} {route}", f"{method} {method} {route}"):
        if name in names:
            return name
    return None


def traffic_endpoints(document: Any) -> list[dict[str, Any]]:
    """The promised endpoints that serve traffic (not health, metrics or integrity)."""
    endpoints = document.get("endpoints", []) if isinstance(document, dict) else []
    return [e for e in endpoints if not str(e.get("route", "")).startswith(ADMIN_ROUTE_PREFIXES)]


def _judge(
    stats: WindowStats, latency_p99_ms: float | None, availability: float | None
) -> list[str]:
    """Broken promises in one window. Availability is judged with a binomial test (a few
    failures in a few requests prove nothing); p99 only over enough requests to mean one."""
    problems = []
    if availability is not None and availability_broken(
        stats.failures, stats.requests, availability
    ):
        problems.append(
            f"availability {1 - stats.error_rate:.2%} < {availability:.2%} "
            f"({int(stats.failures)} failed of {int(stats.requests)})"
        )
    if (
        stats.p99_ms is not None
        and latency_p99_ms is not None
        and stats.requests >= MIN_REQUESTS_FOR_P99
        and stats.p99_ms > latency_p99_ms
    ):
        problems.append(
            f"p99 {stats.p99_ms:.0f} ms > {latency_p99_ms:.0f} ms (of {int(stats.requests)})"
        )
    return problems


def _limits(
    promise: dict[str, Any], override: Any, phase: str
) -> tuple[float | None, float | None]:
    """The p99 and availability a service is held to in `phase`: its published promise,
    replaced by the scenario's override where that override holds in this phase."""
    latency = promise.get("latency_p99_ms")
    availability = promise.get("availability")
    if override is not None and (override.during is None or phase in override.during):
        latency = override.latency_p99_ms or latency
        availability = override.availability or availability
    return latency, availability


def _merged(by_phase: dict[str, dict[str, Any]]) -> dict[str, Any]:
    limits = list(by_phase.values())
    return limits[0] if all(each == limits[0] for each in limits) else by_phase


def check_promises(
    obs: Observations,
    entrypoint: str,
    overrides: dict[str, Any],
    targeted_services: set[str],
) -> list[CheckResult]:
    results = []
    phases = [p for p in obs.phases if p.name != "warmup"]
    for service, document in sorted(obs.promises.items()):
        endpoints = traffic_endpoints(document)
        if not endpoints:
            continue
        override = overrides.get(service)
        problems: list[str] = []
        numbers: dict[str, Any] = {}
        tolerance: dict[str, Any] = {}
        if service == entrypoint:
            judged = [(e["method"], e["route"], e) for e in endpoints]
        else:  # the loosest promise stands for the whole service
            loosest = {
                "latency_p99_ms": max(e.get("latency_p99_ms") or 0 for e in endpoints) or None,
                "availability": min(e.get("availability") or 1.0 for e in endpoints),
            }
            judged = [("", "", loosest)]
        for method, route, promise in judged:
            label = f"{method} {route}".strip() or "all routes"
            key = front_door_key(obs, method, route) if service == entrypoint else None
            for phase in phases:
                if phase.name == "faults" and service in targeted_services:
                    continue
                latency, availability = _limits(promise, override, phase.name)
                tolerance.setdefault(label, {})[phase.name] = {
                    "latency_p99_ms": latency,
                    "availability": availability,
                }
                if service == entrypoint:
                    if key is None:
                        continue
                    stats = stats_of_front_door(_endpoint_points(obs, key, phase.start, phase.end))
                else:
                    stats = service_stats(obs, service, phase.start, phase.end)
                numbers[f"{label} {phase.name}"] = stats.numbers()
                problems.extend(
                    f"{label} during {phase.name}: {problem}"
                    for problem in _judge(stats, latency, availability)
                )
        # One set of limits per route when every phase shares it; per phase when a scenario
        # loosened or tightened only some phases.
        tolerance = {label: _merged(by_phase) for label, by_phase in tolerance.items()}
        results.append(
            CheckResult(
                name=f"promise {service}",
                kind="promise",
                passed=not problems,
                summary=(
                    f"`{service}` kept its promises in every phase."
                    if not problems
                    else f"`{service}` broke its promise: {'; '.join(problems)}."
                ),
                numbers=numbers,
                tolerance=tolerance,
            )
        )
    return results
