"""Containment: for each fault window, which services moved beyond tolerance compared with the
baseline (the propagation map), and whether that stayed inside the declared blast radius.

A service *spread* the failure when its error rate rose by more than `error_rate_delta` and by
more than chance allows (the promises' binomial test), or when its p99 rose beyond every latency
bound: `p99_factor` × baseline, baseline + `p99_floor_ms`, and the latency it promises (slower but
within its promise is a consumer's expectation, not a spread). Over fewer than 100 requests the
p95 stands in for the p99, so one slow call is not a spread.
It *held* when it did not move yet served fallbacks or degraded answers; targets are *injected*.
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.promises import traffic_endpoints
from harness.checks.windows import (
    MIN_REQUESTS_FOR_P99,
    WindowStats,
    availability_broken,
    dependency_total,
    service_stats,
)
from harness.observe.series import FaultWindow, Observations

INJECTED, SPREAD, HELD, UNAFFECTED = "injected", "spread", "held", "unaffected"


def promised_p99_ms(obs: Observations, service: str) -> float | None:
    values = [e.get("latency_p99_ms") for e in traffic_endpoints(obs.promises.get(service))]
    values = [v for v in values if v]
    return max(values) if values else None


def latency_bound_ms(
    baseline: WindowStats, promised_ms: float | None, tolerance: Any
) -> float | None:
    if baseline.p99_ms is None:
        return promised_ms
    bound = max(baseline.p99_ms * tolerance.p99_factor, baseline.p99_ms + tolerance.p99_floor_ms)
    return max(bound, promised_ms) if promised_ms else bound


def service_state(
    obs: Observations, service: str, window: FaultWindow, end: float, tolerance: Any
) -> tuple[str, dict[str, Any]]:
    baseline_phase = obs.phase("baseline")
    baseline = (
        service_stats(obs, service, baseline_phase.start, baseline_phase.end)
        if baseline_phase
        else service_stats(obs, service, 0, 0)
    )
    during = service_stats(obs, service, window.applied_at, end)
    bound = latency_bound_ms(baseline, promised_p99_ms(obs, service), tolerance)
    # Moved beyond tolerance, and by more than chance: two failures among a quiet service's
    # thirty calls are not a cascade (judged like a promise, with the same binomial test).
    error_limit = baseline.error_rate + tolerance.error_rate_delta
    error_moved = during.error_rate > error_limit and availability_broken(
        during.failures, during.requests, 1.0 - error_limit
    )
    # Over fewer than MIN_REQUESTS_FOR_P99 a p99 is the one slowest call; the p95 needs a few.
    few = during.requests < MIN_REQUESTS_FOR_P99
    judged_ms = during.p95_ms if few else during.p99_ms
    latency_moved = bound is not None and judged_ms is not None and judged_ms > bound
    fallbacks = sum(
        dependency_total(obs, service, dependency, "fallbacks", window.applied_at, end)
        for dependency in {d for p in obs.services.get(service, []) for d in p.dependencies}
    )
    degraded_rose = during.degraded_rate - baseline.degraded_rate > tolerance.error_rate_delta
    numbers = {
        "baseline_error_rate": round(baseline.error_rate, 4),
        "error_rate": round(during.error_rate, 4),
        "baseline_p99_ms": None if baseline.p99_ms is None else round(baseline.p99_ms, 1),
        "p99_ms": None if during.p99_ms is None else round(during.p99_ms, 1),
        "p99_bound_ms": None if bound is None else round(bound, 1),
        "requests": int(during.requests),
        "degraded_rate": round(during.degraded_rate, 4),
        "fallbacks": int(fallbacks),
    }
    if service in window.target_services:
        return INJECTED, numbers
    if error_moved or latency_moved:
        return SPREAD, numbers
    if fallbacks > 0 or degraded_rose:
        return HELD, numbers
    return UNAFFECTED, numbers


def check_containment(
    obs: Observations, blast_radius: list[str], tolerance: Any
) -> tuple[list[CheckResult], list[dict[str, Any]]]:
    results: list[CheckResult] = []
    propagation: list[dict[str, Any]] = []
    allowed = set(blast_radius)
    run_end = max((p.end for p in obs.phases), default=0.0)
    for window in obs.faults:
        end = window.reverted_at if window.reverted_at is not None else run_end
        states: dict[str, str] = {}
        numbers: dict[str, Any] = {}
        for service in sorted(obs.services):
            states[service], numbers[service] = service_state(obs, service, window, end, tolerance)
        propagation.append(
            {"fault": window.name, "window": [window.applied_at, end], "services": states}
        )
        spread = sorted(s for s, state in states.items() if state == SPREAD)
        escaped = [s for s in spread if s not in allowed]
        held = sorted(s for s, state in states.items() if state == HELD)
        targets = ", ".join(window.target_services) or "?"
        if escaped:
            summary = (
                f"The failure injected into {targets} by `{window.name}` spread beyond the blast "
                f"radius to {', '.join(f'`{s}`' for s in escaped)}: "
                + "; ".join(_why(s, numbers[s]) for s in escaped)
                + "."
            )
        else:
            where = f"; fallbacks held it in {', '.join(held)}" if held else ""
            summary = (
                f"The failure from `{window.name}` stayed within "
                f"{', '.join(sorted(set(window.target_services) | set(spread))) or targets}"
                f"{where}."
            )
        results.append(
            CheckResult(
                name=f"containment {window.name}",
                kind="containment",
                passed=not escaped,
                summary=summary,
                numbers={"states": states, "spread": spread, "escaped": escaped, **numbers},
                tolerance={
                    "blast_radius": sorted(allowed),
                    "error_rate_delta": tolerance.error_rate_delta,
                    "p99_factor": tolerance.p99_factor,
                    "p99_floor_ms": tolerance.p99_floor_ms,
                },
            )
        )
    return results, propagation


def _why(service: str, numbers: dict[str, Any]) -> str:
    parts = [
        f"error rate {numbers['baseline_error_rate']:.2%} → {numbers['error_rate']:.2%}",
    ]
    if numbers["p99_ms"] is not None:
        parts.append(f"p99 {numbers['baseline_p99_ms']} → {numbers['p99_ms']} ms")
    return f"`{service}` " + ", ".join(parts)
