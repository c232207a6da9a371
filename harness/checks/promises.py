"""Promises: did each service keep what it promised, in every phase?

Every promise is judged wherever it was written: published at `/promise`, declared in
system.yaml, or given in the scenario's `expect.promises` (which also tightens or loosens the
others), read from the one merged view that names each limit's source
(`harness.checks.promise_view`, whose docstring says which wins). The entrypoint is judged
where its consumers stand, at the front door, per endpoint, from the load generator's own
measurements; a scenario promise for an entrypoint that promises no endpoint of its own holds
for every endpoint the load called. Other services are judged on their own metrics against the
loosest of their endpoint promises, or on what their callers counted when they export none. A
service a fault targets is not judged during the faults phase: it is the failure, not a victim
of it. A promise with nothing to judge it by fails as "no evidence".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from harness.checks.base import CheckResult
from harness.checks.cuts import set_aside_kept_failures
from harness.checks.evidence import best_view, why_unseen
from harness.checks.promise_view import Limits, PromiseView, ServicePromises
from harness.checks.statistics import availability_broken, quantile_broken
from harness.checks.windows import WindowStats, stats_of_front_door
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


def _merged(by_phase: dict[str, dict[str, Any]]) -> dict[str, Any]:
    limits = list(by_phase.values())
    return limits[0] if all(each == limits[0] for each in limits) else by_phase


class JudgedEndpoint(NamedTuple):
    label: str
    key: str | None  # the load's name for the endpoint; None: judged on the service's own view
    promise: EndpointPromise | None  # as written, for its answers under dependency failure
    limits: Callable[[str], Limits]  # phase → what it is held to there, with sources


def _judged_endpoints(
    obs: Observations, promised: ServicePromises, entrypoint: str
) -> list[JudgedEndpoint]:
    """Every endpoint judged for one service, over the scopes `promise_view` names: another
    service as a whole, the entrypoint per promised endpoint, or per endpoint the load called."""
    if promised.service != entrypoint:
        return [JudgedEndpoint("all routes", None, None, promised.as_a_whole)]
    if promised.endpoints:
        return [
            JudgedEndpoint(
                e.label, front_door_key(obs, e.promise.method, e.promise.route), e.promise, e.limits
            )
            for e in promised.endpoints
        ]
    return [
        JudgedEndpoint(name, name, None, promised.as_a_whole) for name in load_endpoint_names(obs)
    ]


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
    promises: PromiseView,
    targeted_services: set[str],
    recovery_allowed_s: float = 0.0,
) -> list[CheckResult]:
    """One check per service with a promise. `recovery_allowed_s`: how long after a cut's
    revert the promised failure answer still counts as the promise kept (the recovery check
    judges that time on its own)."""
    results = []
    phases = [p for p in obs.phases if p.name != "warmup"]
    for service in promises.judged_services():
        problems: list[str] = []
        by_phase: list[dict[str, str]] = []  # each problem with its phase, for a sweep's cells
        numbers: dict[str, Any] = {}
        tolerance: dict[str, Any] = {}
        sources: set[str] = set()
        promised_in: set[str] = set()  # where the limits judged were written
        for label, key, promise, limits_in in _judged_endpoints(
            obs, promises.of(service), entrypoint
        ):
            for phase in phases:
                if phase.name == "faults" and service in targeted_services:
                    continue
                limits = limits_in(phase.name)
                if limits.empty:
                    continue
                latency, availability = limits.p99_ms, limits.availability_share
                tolerance.setdefault(label, {})[phase.name] = limits.to_json()
                promised_in |= {
                    limit.source for limit in (limits.latency_p99_ms, limits.availability) if limit
                }
                stats, source = _window_stats(obs, service, entrypoint, key, phase.start, phase.end)
                # the promised failure answer while a dependency is cut is the promise kept, not
                # a failure against availability (harness.checks.cuts, the failure-answer check)
                judged, kept = set_aside_kept_failures(
                    obs,
                    service,
                    entrypoint,
                    promise,
                    key,
                    stats,
                    phase.start,
                    phase.end,
                    recovery_allowed_s,
                )
                found = (
                    [f"{NO_EVIDENCE}: {source}"]
                    if judged is None
                    else judge_window(judged, latency, availability)
                )
                if stats is not None:
                    sources.add(source)
                    numbers[f"{label} {phase.name}"] = stats.numbers() | (
                        {"kept_failure_answers": kept} if kept else {}
                    )
                problems.extend(f"{label} during {phase.name}: {problem}" for problem in found)
                by_phase.extend({"phase": phase.name, "problem": problem} for problem in found)
        if not tolerance:
            continue
        # One set of limits per route when every phase shares it; per phase when a scenario
        # loosened or tightened only some phases.
        tolerance = {label: _merged(by_phase) for label, by_phase in tolerance.items()}
        seen_from = ", ".join(sorted(sources)) or "nowhere"
        written = ", ".join(sorted(promised_in))
        results.append(
            CheckResult(
                name=f"promise {service}",
                kind="promise",
                passed=not problems,
                summary=(
                    f"`{service}` kept its promises in every phase (judged from: {seen_from}; "
                    f"promised in: {written})."
                    if not problems
                    else f"`{service}` broke its promise (promised in: {written}): "
                    f"{'; '.join(problems)}."
                ),
                numbers={
                    **numbers,
                    "seen_from": seen_from,
                    "promised_in": written,
                    "problems": by_phase,
                },
                tolerance=tolerance,
                judged_from=f"{seen_from}; limits: the promise view ({written})",
            )
        )
    return results


def broken_in_window(
    obs: Observations, promises: PromiseView, entrypoint: str, start: float, end: float
) -> list[str]:
    """Every promise broken in [start, end), held to its baseline limits, each as `service
    label: problem`; a promise with nothing to judge it by in so short a window is not counted
    as broken (a sweep asks this between its cells: is the system back within its promises, not
    only steady?)."""
    broken = []
    for service in promises.judged_services():
        for label, key, _promise, limits_in in _judged_endpoints(
            obs, promises.of(service), entrypoint
        ):
            limits = limits_in("baseline")
            if limits.empty:
                continue
            stats, _source = _window_stats(obs, service, entrypoint, key, start, end)
            if stats is None:
                continue
            broken.extend(
                f"{service} {label}: {problem}"
                for problem in judge_window(stats, limits.p99_ms, limits.availability_share)
                if not problem.startswith(NO_EVIDENCE)
            )
    return broken
