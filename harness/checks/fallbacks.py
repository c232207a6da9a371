"""Fallback fired: the fallbacks the scenario expects actually served during the faults."""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.checks.windows import dependency_total
from harness.observe.series import Observations


def check_fallback_fired(obs: Observations, edge_name: str) -> CheckResult:
    caller, callee = edge_name.split("->", 1)
    faults = obs.phase("faults")
    start, end = (faults.start, faults.end) if faults else (0.0, 0.0)
    recovery = obs.phase("recovery")
    # a fallback served in the first second after the window still belongs to the fault
    end = min(end + 1.0, recovery.end) if recovery else end
    fallbacks = dependency_total(obs, caller, callee, "fallbacks", start, end)
    failures = dependency_total(obs, caller, callee, "failures", start, end)
    calls = dependency_total(obs, caller, callee, "calls", start, end)
    passed = fallbacks > 0
    return CheckResult(
        name=f"fallback fired {edge_name}",
        kind="fallback",
        passed=passed,
        summary=(
            f"`{caller}` served its fallback for `{callee}` {int(fallbacks)} times during the "
            f"faults ({int(failures)} failed calls of {int(calls)})."
            if passed
            else f"`{caller}` never served its fallback for `{callee}` during the faults "
            f"({int(failures)} failed calls of {int(calls)})."
        ),
        numbers={"fallbacks": int(fallbacks), "failures": int(failures), "calls": int(calls)},
        tolerance={"fallbacks_min": 1},
    )
