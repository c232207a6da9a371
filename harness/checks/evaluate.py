"""Every check a scenario asks for, in a stable order, from the observations alone."""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.breakers import check_breaker
from harness.checks.containment import check_containment
from harness.checks.fallbacks import check_fallback_fired
from harness.checks.integrity import check_integrity
from harness.checks.promises import check_promises
from harness.checks.recovery import check_recovery, fault_end
from harness.checks.steady_state import check_steady_state
from harness.observe.series import Observations

# after the last fault, this share of the recovery phase is left for recovering before the
# "steady state after recovery" window starts
RECOVERY_ALLOWANCE_SHARE = 0.5


def evaluate(
    obs: Observations, expect: Any, entrypoint: str
) -> tuple[list[CheckResult], list[dict[str, Any]]]:
    """Returns the check results and the propagation map (one entry per fault window)."""
    results: list[CheckResult] = []
    steady = expect.steady_state
    p99_max = steady.p99_ms_max
    baseline = obs.phase("baseline")
    if baseline is not None:
        results.append(
            check_steady_state(
                obs, "before faults", baseline.start, baseline.end, steady.error_rate_max, p99_max
            )
        )
    recovery = obs.phase("recovery")
    if recovery is not None and recovery.end - recovery.start >= 1.0:
        start = recovery.start + (recovery.end - recovery.start) * RECOVERY_ALLOWANCE_SHARE
        results.append(
            check_steady_state(
                obs, "after recovery", start, recovery.end, steady.error_rate_max, p99_max
            )
        )
    targeted = {s for window in obs.faults for s in window.target_services}
    results.extend(check_promises(obs, entrypoint, dict(expect.promises), targeted))
    results.extend(check_fallback_fired(obs, edge) for edge in expect.fallbacks)
    results.extend(check_breaker(obs, edge) for edge in expect.breakers)
    containment, propagation = check_containment(obs, list(expect.blast_radius), expect.tolerance)
    results.extend(containment)
    if fault_end(obs) is not None and recovery is not None:
        results.append(check_recovery(obs, entrypoint, expect.tolerance, expect.recovery_s_max))
    if expect.integrity:
        results.append(check_integrity(obs.integrity))
    return results, propagation
