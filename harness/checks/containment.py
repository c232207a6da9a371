"""Containment: for each fault window, which services moved beyond tolerance compared with the
baseline (the propagation map), and whether that stayed inside the declared blast radius.

Each service is judged from every place it can be seen (`harness.checks.evidence`): the
entrypoint always at the front door, through the load generator's own measurements, whatever its
metrics say; every service through its own metrics where it exports them, else through what its
callers counted of their calls to it. It *spread* the failure when, seen from any of these, its
error rate rose by more than `error_rate_delta` and by more than chance allows, or more than 1 %
of its requests were slower than every latency bound (`p99_factor` × baseline, baseline +
`p99_floor_ms`, and the latency it promises in the faults phase, read from the one promise view:
`harness.checks.promise_view`, so a promise written only in the scenario counts), again beyond
chance. It *held* when it did not move
yet served fallbacks or degraded answers; targets are *injected*; a service seen nowhere is
*unseen* (never "unaffected"), and one with no traffic before or during the fault is *idle*.
Containment fails when a spread escapes the blast radius, or when the front door saw nothing
during the fault (no evidence).
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.evidence import (
    FRONT_DOOR,
    View,
    all_services,
    callers_view,
    front_door_view,
    own_view,
)
from harness.checks.promise_view import Limit, PromiseView
from harness.checks.statistics import quantile_broken, rate_broken
from harness.checks.windows import WindowStats, baseline_span, dependency_total, fault_window_end
from harness.observe.series import FaultWindow, Observations

INJECTED, SPREAD, HELD, UNAFFECTED = "injected", "spread", "held", "unaffected"
UNSEEN, IDLE = "unseen", "idle"


# the phase whose promise bounds a service's latency while a fault holds
FAULTS_PHASE = "faults"


# the second a fault began in is not "before" it: the baseline ends this long before the fault
def latency_bound_ms(
    baseline: WindowStats, promised_ms: float | None, tolerance: Any
) -> float | None:
    if baseline.p99_ms is None:
        return promised_ms
    bound = max(baseline.p99_ms * tolerance.p99_factor, baseline.p99_ms + tolerance.p99_floor_ms)
    return max(bound, promised_ms) if promised_ms else bound


def _views(
    obs: Observations, service: str, entrypoint: str, start: float, end: float
) -> list[View]:
    views = []
    if service == entrypoint:
        views.append(front_door_view(obs, start, end))
    inside = own_view(obs, service, start, end) or callers_view(obs, service, start, end)
    if inside is not None:
        views.append(inside)
    return views


def _judge_view(
    baseline: WindowStats, during: WindowStats, promised_ms: float | None, tolerance: Any
) -> tuple[bool, dict[str, Any]]:
    """Whether one view moved beyond tolerance, and its numbers."""
    bound = latency_bound_ms(baseline, promised_ms, tolerance)
    # beyond tolerance, and by more than chance: two failures among a quiet service's thirty
    # calls are not a cascade
    error_limit = min(1.0, baseline.error_rate + tolerance.error_rate_delta)
    error_moved = during.error_rate > error_limit and rate_broken(
        during.failures, during.requests, error_limit
    )
    latency_moved, slower = (
        quantile_broken(during.latency, during.requests, 0.99, bound)
        if bound is not None
        else (False, None)
    )
    numbers = {
        "baseline_error_rate": round(baseline.error_rate, 4),
        "error_rate": round(during.error_rate, 4),
        "baseline_p99_ms": None if baseline.p99_ms is None else round(baseline.p99_ms, 1),
        "p99_ms": None if during.p99_ms is None else round(during.p99_ms, 1),
        "p99_bound_ms": None if bound is None else round(bound, 1),
        "slower_than_bound": None if slower is None else int(slower),
        "requests": int(during.requests),
        "baseline_degraded_rate": round(baseline.degraded_rate, 4),
        "degraded_rate": round(during.degraded_rate, 4),
    }
    return error_moved or latency_moved, numbers


def service_state(
    obs: Observations,
    service: str,
    entrypoint: str,
    window: FaultWindow,
    end: float,
    tolerance: Any,
    promises: PromiseView,
) -> tuple[str, dict[str, Any]]:
    if service in window.target_services:
        return INJECTED, {}
    base_start, base_end = baseline_span(obs)
    during_views = _views(obs, service, entrypoint, window.applied_at, end)
    if not during_views:
        return UNSEEN, {}
    baseline_views = {v.source: v for v in _views(obs, service, entrypoint, base_start, base_end)}
    promised = promises.promised_p99(service, FAULTS_PHASE)
    promised_ms = promised.value if promised else None
    moved = False
    numbers: dict[str, Any] = {}
    degraded_rose = False
    for view in during_views:
        baseline = baseline_views.get(view.source)
        baseline_stats = baseline.stats if baseline else WindowStats(0, 0, 0, 0, None, None, None)
        view_moved, view_numbers = _judge_view(baseline_stats, view.stats, promised_ms, tolerance)
        moved = moved or view_moved
        numbers[view.source] = view_numbers
        degraded_rose = degraded_rose or (
            view.stats.degraded_rate - baseline_stats.degraded_rate > tolerance.error_rate_delta
        )
    fallbacks = sum(
        dependency_total(obs, service, dependency, "fallbacks", window.applied_at, end)
        for dependency in {d for p in obs.services.get(service, []) for d in p.dependencies}
    )
    numbers["fallbacks"] = int(fallbacks)
    traffic = sum(n["requests"] for n in numbers.values() if isinstance(n, dict))
    if moved:
        return SPREAD, numbers
    if fallbacks > 0 or degraded_rose:
        return HELD, numbers
    if traffic == 0:
        return IDLE, numbers
    return UNAFFECTED, numbers


def check_containment(
    obs: Observations,
    blast_radius: list[str],
    tolerance: Any,
    entrypoint: str = "",
    *,
    promises: PromiseView,
) -> tuple[list[CheckResult], list[dict[str, Any]]]:
    results: list[CheckResult] = []
    propagation: list[dict[str, Any]] = []
    allowed = set(blast_radius)
    services = sorted(all_services(obs) | ({entrypoint} if entrypoint else set()))
    promised = {s: p for s in services if (p := promises.promised_p99(s, FAULTS_PHASE))}
    for window in obs.faults:
        end = fault_window_end(obs, window)
        states: dict[str, str] = {}
        numbers: dict[str, Any] = {}
        for service in services:
            states[service], numbers[service] = service_state(
                obs, service, entrypoint, window, end, tolerance, promises
            )
        propagation.append(
            {"fault": window.name, "window": [window.applied_at, end], "services": states}
        )
        results.append(_verdict(window, states, numbers, allowed, entrypoint, tolerance, promised))
    return results, propagation


def _verdict(
    window: FaultWindow,
    states: dict[str, str],
    numbers: dict[str, Any],
    allowed: set[str],
    entrypoint: str,
    tolerance: Any,
    promised: dict[str, Limit],
) -> CheckResult:
    spread = sorted(s for s, state in states.items() if state == SPREAD)
    escaped = [s for s in spread if s not in allowed]
    held = sorted(s for s, state in states.items() if state == HELD)
    unseen = sorted(s for s, state in states.items() if state == UNSEEN)
    targets = ", ".join(window.target_services) or "?"
    front_door = numbers.get(entrypoint, {}).get(FRONT_DOOR, {})
    no_evidence = (
        bool(entrypoint) and states.get(entrypoint) != INJECTED and not front_door.get("requests")
    )
    if escaped:
        summary = (
            f"The failure injected into {targets} by `{window.name}` spread beyond the blast "
            f"radius to {', '.join(f'`{s}`' for s in escaped)}: "
            + "; ".join(_why(s, numbers[s], promised.get(s)) for s in escaped)
            + "."
        )
    elif no_evidence:
        summary = (
            f"No evidence for `{window.name}`: the front door completed no request during the "
            "fault, so whether the failure spread to the users cannot be told."
        )
    else:
        where = f"; fallbacks held it in {', '.join(held)}" if held else ""
        summary = (
            f"The failure from `{window.name}` stayed within "
            f"{', '.join(sorted(set(window.target_services) | set(spread))) or targets}"
            f"{where}."
        )
    if unseen and not escaped:
        summary += (
            f" Not seen at all: {', '.join(unseen)} (no metrics of their own, and no caller "
            "counts its calls to them); the front door stands for them."
        )
    return CheckResult(
        name=f"containment {window.name}",
        kind="containment",
        passed=not escaped and not no_evidence,
        summary=summary,
        numbers={
            "states": states,
            "spread": spread,
            "escaped": escaped,
            "unseen": unseen,
            **numbers,
        },
        tolerance={
            "blast_radius": sorted(allowed),
            "error_rate_delta": tolerance.error_rate_delta,
            "p99_factor": tolerance.p99_factor,
            "p99_floor_ms": tolerance.p99_floor_ms,
            # the latency each service promised in the faults phase, and where that was written
            "promised_p99_ms": {s: limit.value for s, limit in promised.items()},
            "promised_p99_from": {s: limit.source for s, limit in promised.items()},
        },
        judged_from=_sources(numbers) + "; latency bounds: the promise view",
    )


def _sources(numbers: dict[str, Any]) -> str:
    """Each service with the places it was seen from (the front door, its own metrics, its
    callers' counts), as the states were judged."""
    seen = {
        service: sorted(k for k, v in figures.items() if isinstance(v, dict))
        for service, figures in sorted(numbers.items())
        if isinstance(figures, dict)
    }
    return "; ".join(f"`{s}`: {', '.join(where)}" for s, where in seen.items() if where) or (
        "nothing"
    )


def _why(service: str, numbers: dict[str, Any], promised: Limit | None) -> str:
    parts = []
    for source, figures in numbers.items():
        if not isinstance(figures, dict):
            continue
        part = f"error rate {figures['baseline_error_rate']:.2%} → {figures['error_rate']:.2%}"
        if figures["p99_ms"] is not None:
            part += f", p99 {figures['baseline_p99_ms']} → {figures['p99_ms']} ms"
        parts.append(f"{part} ({source})")
    # which promise the latency bound took, or that there was none: a promise written where the
    # run did not look would otherwise read as a spread with no hint why
    bound = (
        f"promised p99 {promised.value:g} ms ({promised.source})"
        if promised
        else "no latency promised"
    )
    return f"`{service}` " + "; ".join(parts) + f" [{bound}]"
