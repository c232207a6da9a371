"""A series of journals for the history tests, derived from one real journal: a run of the
sample's default scenario (`firebreak run scenarios/default.yaml --time-scale 0.3`, kept in
tests/fixtures/history/default-run.json), copied and edited: its commit, its checks' outcomes
and the front door's numbers in the fault window."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

REAL_RUN = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "default-run.json"
FIRST_COMMIT_AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
DEFECT_CHECK = "fallback fired gateway->recommendations"


@cache
def _real() -> str:
    return REAL_RUN.read_text(encoding="utf-8")


def real_journal() -> dict[str, Any]:
    return json.loads(_real())


def commit_hash(n: int) -> str:
    return f"{n:02d}" + "c0ffee" * 6 + "00"


def at_commit(
    journal: dict[str, Any],
    n: int,
    *,
    dirty: bool = False,
    ran_hours_after: float = 1.0,
    committed_days_after: float | None = None,
) -> dict[str, Any]:
    """The journal as if run `ran_hours_after` the n-th commit, committed n days after the
    first (or `committed_days_after`)."""
    edited = copy.deepcopy(journal)
    committed = FIRST_COMMIT_AT + timedelta(days=n if committed_days_after is None else
                                            committed_days_after)  # fmt: skip
    edited["system"]["source"] = {
        "commit": commit_hash(n),
        "commit_time": committed.isoformat(),
        "dirty": dirty,
        "branch": "main",
        "repo": "/src/shop",
    }
    shift = committed.timestamp() + ran_hours_after * 3600 - edited["started_at"]
    edited["started_at"] += shift
    edited["ended_at"] += shift
    edited["run_id"] = f"run-{n}{'-dirty' if dirty else ''}-{ran_hours_after:g}h"
    return edited


def fail_check(journal: dict[str, Any], name: str = DEFECT_CHECK) -> dict[str, Any]:
    edited = copy.deepcopy(journal)
    check = next(c for c in edited["checks"] if c["name"] == name)
    check["passed"] = False
    edited["outcome"], edited["exit_code"] = "failed", 1
    return edited


def _fault_points(journal: dict[str, Any]) -> list[dict[str, Any]]:
    faults = next(p for p in journal["observations"]["phases"] if p["name"] == "faults")
    points = journal["observations"]["front_door"]
    return [p for p in points if faults["start"] <= p["t"] < faults["end"]]


def slower_in_faults(journal: dict[str, Any], buckets: int) -> dict[str, Any]:
    """Every front-door request in the fault window `buckets` histogram buckets slower (each
    bucket above 10 ms is 5% wider than the last: 10 buckets ≈ +63%)."""
    edited = copy.deepcopy(journal)
    for point in _fault_points(edited):
        point["histogram"] = {str(int(i) + buckets): n for i, n in point["histogram"].items()}
    return edited


def failing_in_faults(journal: dict[str, Any], share: float) -> dict[str, Any]:
    """`share` of the front door's requests in the fault window failed."""
    edited = copy.deepcopy(journal)
    for point in _fault_points(edited):
        point["failures"] = round(point["requests"] * share)
    return edited


def write_run(folder: Path, journal: dict[str, Any]) -> Path:
    run_dir = folder / journal["run_id"]
    run_dir.mkdir(parents=True)
    path = run_dir / "journal.json"
    path.write_text(json.dumps(journal), encoding="utf-8")
    return path


def defect_series(folder: Path, commits: int = 5) -> list[Path]:
    """Commits 1..`commits`: a defect on at the third and off at the fifth (the fallback stops
    firing, the fault window gets slower and loses requests)."""
    written = []
    for n in range(1, commits + 1):
        journal = at_commit(real_journal(), n)
        if n in (3, 4):
            journal = failing_in_faults(slower_in_faults(fail_check(journal), 10), 0.05)
        written.append(write_run(folder, journal))
    return written
