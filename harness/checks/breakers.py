"""Breaker opened and closed: the caller's circuit breaker for a failing edge opened during the
faults (so calls stopped piling onto the failure) and was closed again by the end of the run."""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.checks.windows import dependency_total, service_points
from harness.observe.prometheus_text import BREAKER_STATE_NAMES
from harness.observe.series import Observations

OPEN = 2


def check_breaker(obs: Observations, edge_name: str) -> CheckResult:
    caller, callee = edge_name.split("->", 1)
    faults = obs.phase("faults")
    recovery = obs.phase("recovery")
    start = faults.start if faults else 0.0
    end = recovery.end if recovery else (faults.end if faults else 0.0)
    points = service_points(obs, caller, start, end)
    states = [p.dependencies[callee].breaker_state for p in points if callee in p.dependencies]
    open_seconds = sum(1 for s in states if s == OPEN)
    last_state = states[-1] if states else None
    failures = dependency_total(obs, caller, callee, "failures", start, end)
    opened = open_seconds > 0
    closed_again = last_state == 0
    names = {**dict(enumerate(BREAKER_STATE_NAMES)), None: "unknown"}
    if opened and closed_again:
        summary = (
            f"`{caller}`'s breaker for `{callee}` opened ({open_seconds} s open) and closed "
            "again before the end."
        )
    elif not opened:
        summary = (
            f"`{caller}`'s breaker for `{callee}` never opened during the faults, although "
            f"{int(failures)} calls failed: every request kept waiting on the failure."
        )
    else:
        summary = (
            f"`{caller}`'s breaker for `{callee}` opened but was still {names[last_state]} at "
            "the end of the run."
        )
    return CheckResult(
        name=f"breaker {edge_name}",
        kind="breaker",
        passed=opened and closed_again,
        summary=summary,
        numbers={
            "open_seconds": open_seconds,
            "state_at_end": names[last_state],
            "failed_calls": int(failures),
        },
        tolerance={"opens": True, "closed_at_end": True},
        judged_from=f"`{caller}`'s own breaker state and call counters",
    )
