"""The verdict in one sentence, for people: what was done, and what it showed.

A failing run names its failed check, with its numbers, in the first sentence.
"""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.observe.series import FaultWindow, Observations

VERBS = {
    "latency": "slowed",
    "bandwidth": "squeezed",
    "slow_close": "slow to close",
    "timeout": "blackholed",
    "reset_peer": "reset",
    "slicer": "sliced into a slow drip",
    "limit_data": "truncated",
    "down": "down",
    "kill": "killed",
    "pause": "frozen",
}


def fault_phrase(faults: list[FaultWindow]) -> str:
    if not faults:
        return "No fault injected"
    if len(faults) > 1:
        start = min(f.applied_at for f in faults)
        end = max(f.reverted_at or f.applied_at for f in faults)
        return f"{len(faults)} faults over {end - start:.0f} s"
    fault = faults[0]
    what = ", ".join(fault.targets)
    verb = VERBS.get(fault.fault_type, fault.fault_type)
    if fault.fault_type == "kill" or fault.reverted_at is None:
        return f"{what[0].upper()}{what[1:]} {verb}"
    return f"{what[0].upper()}{what[1:]} {verb} for {fault.reverted_at - fault.applied_at:.0f} s"


def verdict_sentence(
    outcome: str,
    checks: list[CheckResult],
    obs: Observations,
    aborted_reason: str | None = None,
    error: str | None = None,
) -> str:
    if error is not None:
        return f"The run could not be completed: {error}"
    if aborted_reason is not None:
        return f"Aborted: {aborted_reason}; every fault was reverted."
    failed = [c for c in checks if not c.passed]
    phrase = fault_phrase(obs.faults)
    if failed:
        first = failed[0].summary.rstrip(".")
        more = f" ({len(failed) - 1} more checks failed)" if len(failed) > 1 else ""
        return f"Failed: {first}{more}. {phrase}."
    parts = []
    promise_checks = [c for c in checks if c.kind == "promise"]
    if promise_checks:
        parts.append("every service kept its promises")
    spread = sorted(
        {s for c in checks if c.kind == "containment" for s in c.numbers.get("spread", [])}
        | {s for f in obs.faults for s in f.target_services}
    )
    if spread:
        parts.append(f"the failure stayed within {', '.join(spread)}")
    fallbacks = [c for c in checks if c.kind == "fallback"]
    if fallbacks:
        parts.append("the fallbacks fired")
    recovery = next((c for c in checks if c.kind == "recovery"), None)
    if recovery is not None and recovery.numbers.get("recovery_s") is not None:
        parts.append(f"recovery took {recovery.numbers['recovery_s']:.1f} s")
    integrity = next((c for c in checks if c.kind == "integrity"), None)
    if integrity is not None:
        parts.append("no accepted order was lost or doubled")
    return f"{phrase}: " + "; ".join(parts) + "." if parts else f"{phrase}: all checks passed."
