"""Promises: did each service keep what it promised, in every phase?

Every promise is judged wherever it was written: published at `/promise`, declared in
system.yaml, or given in the scenario's `expect.promises` (which also tightens or loosens the
others). The entrypoint is judged where its consumers stand, at the front door, per endpoint, from
the load generator's own measurements; a scenario promise for an entrypoint that promises no
endpoint of its own holds for every endpoint the load called. Other services are judged on their
own metrics against the loosest of their endpoint promises, or on what their callers counted when
they export none. A service a fault targets is not judged during the faults phase: it is the
failure, not a victim of it. A promise with nothing to judge it by fails as "no evidence".
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.evidence import best_view, why_unseen
from harness.checks.statistics import availability_broken, quantile_broken
from harness.checks.windows import WindowStats, stats_of_front_door
from harness.observe.prometheus_text import ADMIN_ROUTE_PREFIXES
from harness.observe.promises import endpoint_promises
from harness.observe.series import FrontDoorPoint, Observations
from harness.service_contract import EndpointPromise

NO_EVIDENCE = "no evidence"


def endpoint_points(obs: Observations, key: str, start: float, end: float) -> list[FrontDoorPoint]:
    """The front door's seconds in [start, end) as seen by one endpoint of the load."""
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
                    markers=figures.get("markers", {}),
                )
            )
    return points


def load_endpoint_names(obs: Observations) -> list[str]:
    return sorted({name for point in obs.front_door for name in point.endpoints})


def front_door_key(obs: Observations, method: str, route: str) -> str | None:
    """The load stream's name for an endpoint: `GET /x`, however the locustfile named it."""
    names = set(load_endpoint_names(obs))
    for name in (f"{method} {route}", f"{method} {method} {route}"):
        if name in names:
            return name
    return None


def traffic_promises(obs: Observations, service: str) -> list[EndpointPromise]:
    """The promised endpoints that serve traffic (not health, metrics or integrity)."""
    return [
        e
        for e in endpoint_promises(obs.promises, service)
        if not e.route.startswith(ADMIN_ROUTE_PREFIXES)
    ]


def judge_window(
    stats: WindowStats, latency_p99_ms: float | None, availability: float | None
) -> list[str]:
    """Broken promises in one window: failures and slow requests each judged with the binomial
    test (a few in a few requests prove nothing), and "no evidence" where nothing was seen."""
    problems = []
    if stats.requests <= 0:
        return [f"{NO_EVIDENCE}: no request was seen"]
    if availability is not None and availability_broken(
        stats.failures, stats.requests, availability
    ):
        problems.append(
            f"availability {1 - stats.error_rate:.2%} < {availability:.2%} "
            f"({int(stats.failures)} failed of {int(stats.requests)})"
        )
    if latency_p99_ms is not None:
        broken, slower = quantile_broken(stats.latency, stats.requests, 0.99, latency_p99_ms)
        if slower is None:
            problems.append(f"{NO_EVIDENCE} for the p99 (no latency was measured)")
        elif broken:
            interval = ""
            if stats.p99_interval_ms is not None:
                low, high = stats.p99_interval_ms
                interval = f", 95% interval {low:.0f}–{'∞' if high is None else f'{high:.0f}'} ms"
            problems.append(
                f"p99 {stats.p99_ms:.0f} ms > {latency_p99_ms:.0f} ms ({int(slower)} of "
                f"{int(stats.requests)} slower{interval})"
            )
    return problems


def _limits(
    promise: EndpointPromise | None, override: Any, phase: str
) -> tuple[float | None, float | None]:
    """The p99 and availability a service is held to in `phase`: its own promise, replaced by the
    scenario's override where that override holds in this phase."""
    latency = promise.latency_p99_ms if promise else None
    availability = promise.availability if promise else None
    if override is not None and (override.during is None or phase in override.during):
        latency = override.latency_p99_ms or latency
        availability = override.availability or availability
    return latency, availability


def _merged(by_phase: dict[str, dict[str, Any]]) -> dict[str, Any]:
    limits = list(by_phase.values())
    return limits[0] if all(each == limits[0] for each in limits) else by_phase


def _loosest(endpoints: list[EndpointPromise]) -> EndpointPromise | None:
    if not endpoints:
        return None
    latencies = [e.latency_p99_ms for e in endpoints if e.latency_p99_ms]
    availabilities = [e.availability for e in endpoints if e.availability]
    return EndpointPromise(
        method="GET",
        route="/",
        latency_p99_ms=max(latencies) if latencies else None,
        availability=min(availabilities) if availabilities else None,
    )


def _judged_endpoints(
    obs: Observations, service: str, entrypoint: str, endpoints: list[EndpointPromise]
) -> list[tuple[str, str | None, EndpointPromise | None]]:
    """(label, the load's endpoint name or None, the promise) for every judged endpoint."""
    if service != entrypoint:
        return [("all routes", None, _loosest(endpoints))]
    if endpoints:
        return [(e.label, front_door_key(obs, e.method, e.route), e) for e in endpoints]
    return [(name, name, None) for name in load_endpoint_names(obs)]


def _window_stats(
    obs: Observations, service: str, entrypoint: str, key: str | None, start: float, end: float
) -> tuple[WindowStats | None, str]:
    if service == entrypoint:
        if key is None:
            return None, "no request of the load reached this endpoint"
        return stats_of_front_door(endpoint_points(obs, key, start, end)), "front door"
    view = best_view(obs, service, entrypoint, start, end)
    if view is None:
        return None, why_unseen(obs, service)
    return view.stats, view.source


def check_promises(
    obs: Observations,
    entrypoint: str,
    overrides: dict[str, Any],
    targeted_services: set[str],
) -> list[CheckResult]:
    results = []
    phases = [p for p in obs.phases if p.name != "warmup"]
    for service in sorted(set(obs.promises) | set(overrides)):
        endpoints = traffic_promises(obs, service)
        override = overrides.get(service)
        if not endpoints and override is None:
            continue
        problems: list[str] = []
        by_phase: list[dict[str, str]] = []  # each problem with its phase, for a sweep's cells
        numbers: dict[str, Any] = {}
        tolerance: dict[str, Any] = {}
        sources: set[str] = set()
        for label, key, promise in _judged_endpoints(obs, service, entrypoint, endpoints):
            for phase in phases:
                if phase.name == "faults" and service in targeted_services:
                    continue
                latency, availability = _limits(promise, override, phase.name)
                if latency is None and availability is None:
                    continue
                tolerance.setdefault(label, {})[phase.name] = {
                    "latency_p99_ms": latency,
                    "availability": availability,
                }
                stats, source = _window_stats(obs, service, entrypoint, key, phase.start, phase.end)
                found = (
                    [f"{NO_EVIDENCE}: {source}"]
                    if stats is None
                    else judge_window(stats, latency, availability)
                )
                if stats is not None:
                    sources.add(source)
                    numbers[f"{label} {phase.name}"] = stats.numbers()
                problems.extend(f"{label} during {phase.name}: {problem}" for problem in found)
                by_phase.extend({"phase": phase.name, "problem": problem} for problem in found)
        if not tolerance:
            continue
        # One set of limits per route when every phase shares it; per phase when a scenario
        # loosened or tightened only some phases.
        tolerance = {label: _merged(by_phase) for label, by_phase in tolerance.items()}
        seen_from = ", ".join(sorted(sources)) or "nowhere"
        results.append(
            CheckResult(
                name=f"promise {service}",
                kind="promise",
                passed=not problems,
                summary=(
                    f"`{service}` kept its promises in every phase (judged from: {seen_from})."
                    if not problems
                    else f"`{service}` broke its promise: {'; '.join(problems)}."
                ),
                numbers={**numbers, "seen_from": seen_from, "problems": by_phase},
                tolerance=tolerance,
            )
        )
    return results


def broken_in_window(obs: Observations, entrypoint: str, start: float, end: float) -> list[str]:
    """Every published promise broken in [start, end), each as `service label: problem`; a
    promise with nothing to judge it by in so short a window is not counted as broken (a sweep
    asks this between its cells: is the system back within its promises, not only steady?)."""
    broken = []
    for service in sorted(obs.promises):
        endpoints = traffic_promises(obs, service)
        for label, key, promise in _judged_endpoints(obs, service, entrypoint, endpoints):
            latency, availability = _limits(promise, None, "baseline")
            if latency is None and availability is None:
                continue
            stats, _source = _window_stats(obs, service, entrypoint, key, start, end)
            if stats is None:
                continue
            broken.extend(
                f"{service} {label}: {problem}"
                for problem in judge_window(stats, latency, availability)
                if not problem.startswith(NO_EVIDENCE)
            )
    return broken
