"""Recovery time: from the end of the last fault (the kill itself, for a kill the platform
replaces) to the front door back within tolerance, and for replaced kills how long the platform
took to have every killed instance ready again.

"Back" means error rate, degraded-answer rate and p99 within tolerance of the baseline for
`STABLE_S` seconds in a row, so one lucky second does not count. Degraded answers must stop too:
an open breaker that has not closed again is not a recovered system. The p99 bound takes the
latency the entrypoint promises in the recovery phase, from the one promise view
(`harness.checks.promise_view`).
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.containment import latency_bound_ms
from harness.checks.promise_view import PromiseView
from harness.checks.windows import baseline_span, front_door_stats, stats_of_front_door
from harness.observe.series import Observations

STABLE_S = 2
RECOVERY_PHASE = "recovery"


def fault_end(obs: Observations) -> float | None:
    """When the last fault ended: its revert, or the kill itself for a kill the platform
    replaces (or its application, if it was never reverted)."""
    ends = [
        w.applied_at if w.replaced or w.reverted_at is None else w.reverted_at for w in obs.faults
    ]
    return max(ends) if ends else None


def capacity_restored_s(obs: Observations) -> dict[str, float | None]:
    """For each replaced kill, seconds from the kill until every killed instance was ready
    again (the platform's `ready` events); None when one never came back during the run."""
    restored: dict[str, float | None] = {}
    for window in obs.faults:
        if not window.replaced:
            continue
        ready_after_s = []
        for instance in window.targets:
            ready_at = min(
                (
                    e.t
                    for e in obs.events
                    if e.source == "platform"
                    and e.kind == "ready"
                    and e.name == instance
                    and e.t >= window.applied_at
                ),
                default=None,
            )
            ready_after_s.append(None if ready_at is None else ready_at - window.applied_at)
        restored[window.name] = (
            None if None in ready_after_s else round(max(ready_after_s, default=0.0), 2)
        )
    return restored


def _capacity_sentence(restored: dict[str, float | None]) -> str:
    if not restored:
        return ""
    if any(seconds is None for seconds in restored.values()):
        late = ", ".join(f"`{name}`" for name, seconds in restored.items() if seconds is None)
        return f" The replicas killed by {late} were not ready again before the run ended."
    slowest_s = max(seconds for seconds in restored.values() if seconds is not None)
    return f" The killed replicas were replaced and ready {slowest_s:.1f} s after the kill."


def recovery_seconds(
    obs: Observations, entrypoint: str, tolerance: Any, promises: PromiseView
) -> tuple[float | None, dict[str, Any]]:
    baseline_phase = obs.phase("baseline")
    end_of_faults = fault_end(obs)
    if baseline_phase is None or end_of_faults is None:
        return None, {}
    baseline = front_door_stats(obs, *baseline_span(obs))
    promised = promises.promised_p99(entrypoint, RECOVERY_PHASE)
    bound = latency_bound_ms(baseline, promised.value if promised else None, tolerance)
    error_max = baseline.error_rate + tolerance.error_rate_delta
    degraded_max = baseline.degraded_rate + tolerance.error_rate_delta
    limits = {"error_rate_max": error_max, "degraded_rate_max": degraded_max, "p99_max_ms": bound}
    if promised is not None:
        limits |= {"promised_p99_ms": promised.value, "promised_p99_from": promised.source}

    def good(point_index: int) -> bool:
        stats = stats_of_front_door([obs.front_door[point_index]])
        if stats.requests == 0:
            return False
        return (
            stats.error_rate <= error_max
            and stats.degraded_rate <= degraded_max
            and (bound is None or stats.p99_ms is None or stats.p99_ms <= bound)
        )

    after = [i for i, p in enumerate(obs.front_door) if p.t + 1 > end_of_faults]
    streak = 0
    for position, index in enumerate(after):
        streak = streak + 1 if good(index) else 0
        if streak == STABLE_S:
            first_good = obs.front_door[after[position - STABLE_S + 1]].t
            return max(0.0, first_good - end_of_faults), limits
    return None, limits


def check_recovery(
    obs: Observations,
    entrypoint: str,
    tolerance: Any,
    recovery_s_max: float | None,
    promises: PromiseView,
) -> CheckResult:
    recovery_s, limits = recovery_seconds(obs, entrypoint, tolerance, promises)
    end_of_run = max((p.end for p in obs.phases), default=0.0)
    end_of_faults = fault_end(obs)
    observed_s = None if end_of_faults is None else round(end_of_run - end_of_faults, 1)
    if recovery_s is None:
        passed = False
        summary = (
            f"The front door did not recover within the {observed_s} s observed after the "
            "last fault ended."
        )
    else:
        passed = recovery_s_max is None or recovery_s <= recovery_s_max
        bound = "" if recovery_s_max is None else f" (bound {recovery_s_max:g} s)"
        summary = (
            f"Recovery took {recovery_s:.1f} s{bound}."
            if passed
            else f"Recovery took {recovery_s:.1f} s, longer than the bound of {recovery_s_max:g} s."
        )
    restored = capacity_restored_s(obs)
    summary += _capacity_sentence(restored)
    recovery_phase = obs.phase("recovery")
    after = (
        stats_of_front_door([])
        if recovery_phase is None
        else front_door_stats(obs, recovery_phase.start, recovery_phase.end)
    )
    return CheckResult(
        name="recovery",
        kind="recovery",
        passed=passed,
        summary=summary,
        numbers={
            "recovery_s": None if recovery_s is None else round(recovery_s, 1),
            "observed_after_faults_s": observed_s,
            **({"capacity_restored_s": restored} if restored else {}),
            **after.numbers("recovery_phase_"),
        },
        tolerance={"recovery_s_max": recovery_s_max, **limits, "stable_s": STABLE_S},
        judged_from="front door (the load generator's measurements); replicas ready: the "
        "platform's events",
    )
