"""One cell's verdict, from the checks a scenario with that one fault would get.

A cell is, from best to worst:
- `held`: nothing beyond the fault's target moved and the front door's answers did not change;
- `degraded`: the front door served more degraded answers (a fallback's) but every service kept
  its published promises ("degraded within promise");
- `spread`: the failure moved a service beyond the target, or broke a promise; the cell names
  how far it went (`reach`: the services it moved, the front door last);
- `data lost`: the integrity check found writes lost or doubled during the cell;
- `no evidence`: the front door completed no request during the fault, so nothing can be told.

Pure logic over check results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.checks.base import CheckResult
from harness.checks.promises import NO_EVIDENCE as NO_EVIDENCE_PROBLEM

HELD, DEGRADED, SPREAD, DATA_LOST, NO_EVIDENCE = (
    "held",
    "degraded",
    "spread",
    "data lost",
    "no evidence",
)
# worst last: a row's (and an edge's) colour is its worst cell's
SEVERITY = [HELD, DEGRADED, NO_EVIDENCE, SPREAD, DATA_LOST]


@dataclass
class CellResult:
    cell: str  # the cell's id, `row × kind`
    row: str
    kind: str
    verdict: str
    reach: list[str] = field(default_factory=list)  # services the failure moved
    summary: str = ""
    failed_checks: list[str] = field(default_factory=list)
    recovery_s: float | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0
    ended_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CellResult:
        return cls(**data)

    @property
    def failed(self) -> bool:
        return self.verdict not in (HELD, DEGRADED)


def worst(verdicts: list[str]) -> str | None:
    return max(verdicts, key=SEVERITY.index) if verdicts else None


def integrity_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Violations that appeared during a cell: the integrity answers are cumulative."""
    return {
        name: after[name] - before.get(name, 0)
        for name in after
        if after[name] - before.get(name, 0) > 0
    }


def cell_verdict(
    cell_id: str,
    row: str,
    kind: str,
    checks: list[CheckResult],
    propagation: list[dict[str, Any]],
    entrypoint: str,
    lost_writes: dict[str, int],
) -> CellResult:
    """Read the checks of one cell's experiment (steady state before, promises, containment,
    markers, fallbacks, failure answers, recovery, amplification) into its verdict."""
    by_kind: dict[str, list[CheckResult]] = {}
    for check in checks:
        by_kind.setdefault(check.kind, []).append(check)
    containment = (by_kind.get("containment") or [None])[0]
    states: dict[str, str] = propagation[0]["services"] if propagation else {}
    moved = sorted(
        (s for s, state in states.items() if state == "spread"),
        key=lambda s: (s == entrypoint, s),  # the front door last: how far it went
    )
    # A promise broken only in the baseline says the system was not steady before the fault
    # (the runner waits for a window within every promise, so this is a rare, short window's
    # "no evidence"), not that the fault spread.
    broken = [c for c in by_kind.get("promise", []) if not c.passed]
    after_fault = [c for c in broken if _broken_in(c, ("faults", "recovery"))]
    # The fault's own target slow to recover (a paused service's backlog) is its recovery, not
    # a spread: the cell says so, and the promise check in the numbers has it.
    target = row.split("->")[-1]
    broken_promises = [c for c in after_fault if _service_of(c) != target]
    target_slow = [c for c in after_fault if _service_of(c) == target]
    unsteady_before = [c for c in broken if _broken_in(c, ("baseline",))]
    # the front door answered a cut of a required dependency with something else than it
    # promised (a success hiding the failure): its users were told the wrong thing
    wrong_answers = [c for c in by_kind.get("failure_answer", []) if not c.passed]
    failed = [c.name for c in checks if not c.passed]
    recovery = next((c for c in checks if c.kind == "recovery"), None)
    recovery_s = recovery.numbers.get("recovery_s") if recovery else None
    front_door = states.get(entrypoint)
    if lost_writes:
        verdict = DATA_LOST
        summary = "Writes were lost or doubled: " + ", ".join(
            f"{name} +{count}" for name, count in sorted(lost_writes.items())
        )
    elif containment is not None and "No evidence" in containment.summary:
        verdict, summary = NO_EVIDENCE, containment.summary
    elif unsteady_before:
        verdict = NO_EVIDENCE
        summary = "Not steady before the fault: " + "; ".join(c.summary for c in unsteady_before)
    elif moved or broken_promises or wrong_answers:
        verdict = SPREAD
        moved = sorted(
            set(moved)
            | {_service_of(c) for c in broken_promises}
            | ({entrypoint} if wrong_answers else set()),
            key=lambda s: (s == entrypoint, s),
        )
        broken_names = [c.name for c in [*broken_promises, *wrong_answers]]
        summary = (
            f"Spread to {', '.join(moved)}"
            + (f"; broken: {', '.join(broken_names)}" if broken_names else "")
            + "."
        )
    elif front_door == "held":
        verdict = DEGRADED
        summary = f"The front door answered degraded within its promise ({entrypoint} held it)."
    else:
        verdict = HELD
        summary = containment.summary if containment is not None else "Nothing moved."
    if target_slow and verdict in (HELD, DEGRADED):
        summary += " The target's own recovery: " + " ".join(c.summary for c in target_slow)
    return CellResult(
        cell=cell_id,
        row=row,
        kind=kind,
        verdict=verdict,
        reach=moved,
        summary=summary,
        failed_checks=failed,
        recovery_s=recovery_s,
        numbers={
            "states": states,
            "amplification": amplification_of(checks),
            **({"lost_writes": lost_writes} if lost_writes else {}),
        },
    )


def amplification_of(checks: list[CheckResult]) -> dict[str, Any]:
    """The cell's retry amplification: each faulted edge's ratio, the worst, and whether an
    edge went over its budget (the map marks such a cell, whatever its verdict)."""
    check = next((c for c in checks if c.kind == "amplification"), None)
    figures = check.numbers if check is not None else {}
    ratios = {edge: n.get("ratio") for edge, n in figures.items() if isinstance(n, dict)}
    seen = [r for r in ratios.values() if r is not None]
    return {
        "ratios": ratios,
        "worst": max(seen) if seen else None,
        "over_budget": any(
            isinstance(n, dict) and n.get("within_budget") is False for n in figures.values()
        ),
    }


def _broken_in(promise: CheckResult, phases: tuple[str, ...]) -> bool:
    """A promise measured and broken in one of `phases`. A service that saw no request during a
    cell (payments while orders cannot reserve stock) is idle, not harmed: the containment
    check, which reads every way a service can be seen, says whether it was seen at all."""
    return any(
        p["phase"] in phases and not p["problem"].startswith(NO_EVIDENCE_PROBLEM)
        for p in promise.numbers.get("problems", [])
    )


def _service_of(promise: CheckResult) -> str:
    return promise.name.split()[1]  # "promise <service>"
