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
    markers, fallbacks, recovery, amplification) into its verdict."""
    by_kind: dict[str, list[CheckResult]] = {}
    for check in checks:
        by_kind.setdefault(check.kind, []).append(check)
    containment = (by_kind.get("containment") or [None])[0]
    states: dict[str, str] = propagation[0]["services"] if propagation else {}
    moved = sorted(
        (s for s, state in states.items() if state == "spread"),
        key=lambda s: (s == entrypoint, s),  # the front door last: how far it went
    )
    broken_promises = [c for c in by_kind.get("promise", []) if not c.passed]
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
    elif moved or broken_promises:
        verdict = SPREAD
        reach = moved or sorted({c.name.split()[1] for c in broken_promises})
        summary = (
            f"Spread to {', '.join(reach)}"
            + (f"; broken: {', '.join(c.name for c in broken_promises)}" if broken_promises else "")
            + "."
        )
        moved = reach
    elif front_door == "held":
        verdict = DEGRADED
        summary = f"The front door answered degraded within its promise ({entrypoint} held it)."
    else:
        verdict = HELD
        summary = containment.summary if containment is not None else "Nothing moved."
    return CellResult(
        cell=cell_id,
        row=row,
        kind=kind,
        verdict=verdict,
        reach=moved,
        summary=summary,
        failed_checks=failed,
        recovery_s=recovery_s,
        numbers={"states": states, **({"lost_writes": lost_writes} if lost_writes else {})},
    )
