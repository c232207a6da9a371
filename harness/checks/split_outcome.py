"""A split run's outcome (issue 24): which of its checks count, on a quiet machine and on a busy
one. Pure logic.

A plain run compares the fault's seconds with a baseline measured earlier, so when the machine
interfered (checks/interference.py) no check can be trusted and the run is `inconclusive`. A split
run also compares the experiment arm with a control arm in the *same* seconds, under the same
load (checks/split_arms.py): a busy machine slows both alike, so that comparison still holds.

- **Busy machine.** The checks that judge latency or error rates against a baseline or a bound
  over time (`TIME_BASED_KINDS`) are set aside, each saying why; the arms' difference and the
  checks that count events (a fault touched traffic, a fallback fired, a breaker opened, no data
  was lost) decide. An undecided difference then leaves the run `inconclusive`.
- **Quiet machine.** Every check counts, as in a plain run, except an undecided difference:
  too few answers to tell a difference from none is not a failure of the system, and the
  time-based checks judge the run.
- The arms unlike before the faults: `inconclusive`, as before.
"""

from __future__ import annotations

from dataclasses import replace

from harness.checks.base import CheckResult, outcome_of

UNDECIDED = "undecided"
TIME_BASED_KINDS = frozenset(
    {"steady_state", "promise", "containment", "recovery", "amplification"}
)


def undecided(check: CheckResult) -> bool:
    return check.kind == "split" and check.numbers.get("verdict") == UNDECIDED


def mark_split_checks(checks: list[CheckResult], busy_reasons: list[str]) -> list[CheckResult]:
    """The checks with `set_aside` said where they do not count; the others unchanged."""
    if not any(c.kind == "split" for c in checks):
        return checks
    busy = "; ".join(busy_reasons)
    marked = []
    for check in checks:
        if busy and check.kind in TIME_BASED_KINDS:
            check = replace(
                check,
                set_aside=(
                    f"time-based, and the machine was busy ({busy}): the arms' difference in "
                    "the same seconds judges the run instead"
                ),
            )
        elif not busy and undecided(check):
            check = replace(
                check,
                set_aside=(
                    "too few answers to tell a difference from none; on a quiet machine the "
                    "time-based checks judge the run"
                ),
            )
        marked.append(check)
    return marked


def split_run_outcome(checks: list[CheckResult], *, aborted: bool, error: bool) -> str:
    """The outcome from the checks `mark_split_checks` marked: a counted failure fails the run;
    else an undecided difference that counts (a busy machine) leaves it inconclusive."""
    if error or aborted:
        return outcome_of([], aborted=aborted, error=error)
    counted = [c for c in checks if not c.set_aside]
    if any(not c.passed and not undecided(c) for c in counted):
        return "failed"
    if any(undecided(c) for c in counted):
        return "inconclusive"
    return "passed"
