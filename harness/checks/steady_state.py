"""Steady state at the front door: before the faults, and again once the system recovered."""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.checks.windows import MIN_REQUESTS_FOR_P99, availability_broken, front_door_stats
from harness.observe.series import Observations


def check_steady_state(
    obs: Observations,
    label: str,
    start: float,
    end: float,
    error_rate_max: float,
    p99_ms_max: float | None,
) -> CheckResult:
    stats = front_door_stats(obs, start, end)
    problems = []
    if stats.requests == 0:
        problems.append("no request completed")
    # judged like a promise: beyond what chance allows, and p99 only over enough requests
    if availability_broken(stats.failures, stats.requests, 1.0 - error_rate_max):
        problems.append(f"error rate {stats.error_rate:.2%} > {error_rate_max:.2%}")
    enough = stats.requests >= MIN_REQUESTS_FOR_P99
    if p99_ms_max is not None and stats.p99_ms is not None and enough and stats.p99_ms > p99_ms_max:
        problems.append(f"p99 {stats.p99_ms:.0f} ms > {p99_ms_max:.0f} ms")
    p99_text = "n/a" if stats.p99_ms is None else f"{stats.p99_ms:.0f} ms"
    measured = f"{int(stats.requests)} requests, error rate {stats.error_rate:.2%}, p99 {p99_text}"
    return CheckResult(
        name=f"steady state {label}",
        kind="steady_state",
        passed=not problems,
        summary=(
            f"Steady state {label}: {measured}."
            if not problems
            else f"Steady state {label} broken: {'; '.join(problems)} ({measured})."
        ),
        numbers={**stats.numbers(), "window_s": round(end - start, 2)},
        tolerance={"error_rate_max": error_rate_max, "p99_ms_max": p99_ms_max},
    )
