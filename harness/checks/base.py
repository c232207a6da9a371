"""What every check returns, and how check results add up to a run's outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_HARNESS_ERROR,
    EXIT_INCONCLUSIVE,
    EXIT_PASSED,
)

CHECK_KINDS = (
    "steady_state",
    "promise",
    "marker",
    "failure_answer",
    "fallback",
    "breaker",
    "containment",
    "amplification",
    "touched",
    "recovery",
    "integrity",
    "split",
)
OUTCOME_EXIT_CODES = {
    "passed": EXIT_PASSED,
    "failed": EXIT_FAILED,
    "aborted": EXIT_FAILED,
    "inconclusive": EXIT_INCONCLUSIVE,
    "invalid": EXIT_BAD_INPUT,
    "error": EXIT_HARNESS_ERROR,
}


@dataclass
class CheckResult:
    name: str  # unique in a run, e.g. "promise gateway GET /products/{id} (faults)"
    kind: str  # one of CHECK_KINDS
    passed: bool
    summary: str  # one sentence with the numbers, for people
    numbers: dict[str, Any] = field(default_factory=dict)  # measured values, units in keys
    tolerance: dict[str, Any] = field(default_factory=dict)  # the bounds they were held to
    # the evidence the check read, in words ("front door", "`gateway`'s own counters"...): a
    # check reads nothing it does not name here, and the report shows it
    judged_from: str = ""
    # why this check does not count towards the outcome (a split run's time-based check on a
    # busy machine, or its undecided difference on a quiet one: checks/split_outcome.py)
    set_aside: str = ""

    @property
    def counted_failure(self) -> bool:
        return not self.passed and not self.set_aside

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.set_aside:  # journals of plain runs stay as they were
            del data["set_aside"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        return cls(**data)


def outcome_of(
    checks: list[CheckResult],
    aborted: bool = False,
    error: bool = False,
    interfered: bool = False,
) -> str:
    """A run's outcome. When the machine interfered with the measurement, neither a pass nor a
    failure can be trusted: the outcome is `inconclusive` whatever the checks said."""
    if error:
        return "error"
    if aborted:
        return "aborted"
    if interfered:
        return "inconclusive"
    return "passed" if all(c.passed for c in checks) else "failed"
