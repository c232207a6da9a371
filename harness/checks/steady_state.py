"""Steady state: before the faults, and again once the system recovered.

Steady means more than "answering": at the front door, few errors and few degraded answers; from
the inside, where services export it, no dependency served mostly by its fallback and no breaker
open. A system already running on fallbacks before any fault (a misconfigured timeout or bulkhead
looks exactly like that) fails here, before the faults prove anything. Every rate is judged with
the binomial test, every p99 through the share of requests slower than the bound.
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.statistics import quantile_broken, rate_broken
from harness.checks.windows import dependency_total, front_door_stats, service_points
from harness.observe.series import Observations

OPEN = 2


def _fallback_problems(
    obs: Observations, start: float, end: float, degraded_rate_max: float
) -> tuple[list[str], dict[str, Any]]:
    """Dependencies a caller answered mostly from its fallback in the window."""
    problems, numbers = [], {}
    for caller in sorted(obs.services):
        dependencies = {d for p in service_points(obs, caller, start, end) for d in p.dependencies}
        for dependency in sorted(dependencies):
            calls = dependency_total(obs, caller, dependency, "calls", start, end)
            fallbacks = dependency_total(obs, caller, dependency, "fallbacks", start, end)
            if not fallbacks:
                continue
            edge = f"{caller}->{dependency}"
            numbers[edge] = {"fallbacks": int(fallbacks), "calls": int(calls)}
            if rate_broken(fallbacks, calls, degraded_rate_max):
                problems.append(
                    f"`{caller}` served its fallback for `{dependency}` in {int(fallbacks)} of "
                    f"{int(calls)} calls ({fallbacks / max(calls, 1):.1%})"
                )
    return problems, numbers


def _open_breakers(obs: Observations, start: float, end: float) -> dict[str, int]:
    """Edge → seconds its breaker was open (on any instance) in the window."""
    open_s: dict[str, int] = {}
    for caller in sorted(obs.services):
        for point in service_points(obs, caller, start, end):
            for dependency, figures in point.dependencies.items():
                if figures.breaker_state == OPEN:
                    edge = f"{caller}->{dependency}"
                    open_s[edge] = open_s.get(edge, 0) + 1
    return open_s


def check_steady_state(
    obs: Observations,
    label: str,
    start: float,
    end: float,
    spec: Any,
) -> CheckResult:
    """`spec` is the scenario's `SteadyStateSpec`."""
    stats = front_door_stats(obs, start, end)
    problems = []
    if stats.requests == 0:
        problems.append("no evidence: no request completed at the front door")
    if rate_broken(stats.failures, stats.requests, spec.error_rate_max):
        problems.append(f"error rate {stats.error_rate:.2%} > {spec.error_rate_max:.2%}")
    if rate_broken(stats.degraded, stats.requests, spec.degraded_rate_max):
        problems.append(
            f"degraded answers {stats.degraded_rate:.2%} > {spec.degraded_rate_max:.2%}"
        )
    if spec.p99_ms_max is not None:
        broken, slower = quantile_broken(stats.latency, stats.requests, 0.99, spec.p99_ms_max)
        if broken:
            problems.append(
                f"p99 {stats.p99_ms:.0f} ms > {spec.p99_ms_max:.0f} ms "
                f"({int(slower or 0)} of {int(stats.requests)} slower)"
            )
    fallback_problems, fallbacks = _fallback_problems(obs, start, end, spec.degraded_rate_max)
    problems += fallback_problems
    open_breakers = _open_breakers(obs, start, end)
    if open_breakers and not spec.allow_open_breakers:
        problems.append(
            "breakers open: "
            + ", ".join(f"{edge} ({seconds} s)" for edge, seconds in open_breakers.items())
        )
    p99_text = "n/a" if stats.p99_ms is None else f"{stats.p99_ms:.0f} ms"
    measured = (
        f"{int(stats.requests)} requests, error rate {stats.error_rate:.2%}, degraded "
        f"{stats.degraded_rate:.2%}, p99 {p99_text}"
    )
    return CheckResult(
        name=f"steady state {label}",
        kind="steady_state",
        passed=not problems,
        summary=(
            f"Steady state {label}: {measured}."
            if not problems
            else f"Steady state {label} broken: {'; '.join(problems)} ({measured})."
        ),
        numbers={
            **stats.numbers(),
            "window_s": round(end - start, 2),
            **({"fallbacks": fallbacks} if fallbacks else {}),
            **({"breakers_open_s": open_breakers} if open_breakers else {}),
        },
        judged_from=_steady_sources(obs),
        tolerance={
            "error_rate_max": spec.error_rate_max,
            "degraded_rate_max": spec.degraded_rate_max,
            "p99_ms_max": spec.p99_ms_max,
            "allow_open_breakers": spec.allow_open_breakers,
        },
    )


def _steady_sources(obs: Observations) -> str:
    """The front door always; the callers whose dependency counters were read for fallbacks
    served and breakers open."""
    counting = sorted(
        s for s, points in obs.services.items() if any(p.dependencies for p in points)
    )
    inside = f"; fallbacks and breakers: {', '.join(f'`{s}`' for s in counting)}'s own metrics"
    return "front door (the load generator's measurements)" + (inside if counting else "")
