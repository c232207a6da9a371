"""Finding and reading the journals and sweep maps under the folders given to `firebreak
history`, each distilled to what the history shows: its commit, its checks' outcomes and the
front door's figures in the fault window.

Bad input is refused before anything is written (exit 2): a path that does not exist, a folder
with nothing to read, a journal Firebreak cannot read (another schema version: the journal
reader's own message), journals of more than one system without `--system`, or none of it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import InputError
from harness.reports.journal import Journal, read_journal
from harness.reports.summary import phase_figures, recovery_times_s
from harness.source_revision import SourceRevision
from harness.sweep.resilience_map import read_map

JOURNAL_FILE = "journal.json"
MAP_FILE = "map.json"
# a run whose verdict cannot be trusted: its checks neither fail nor pass in the history
UNJUDGED_OUTCOMES = ("inconclusive", "error")


@dataclass
class RunRecord:
    """One scenario run, as the history shows it."""

    path: Path
    system: str
    scenario: str
    run_id: str
    started_at: float  # unix s
    platform: str
    outcome: str
    source: SourceRevision | None
    checks: dict[str, str] = field(default_factory=dict)  # name → passed | failed | inconclusive
    p99_ms: float | None = None  # the front door's, over the faults phase
    availability: float | None = None  # the share of front-door requests that did not fail there
    recovery_s: float | None = None  # the longest recovery check's
    amplification: float | None = None  # the worst ratio an amplification check measured


@dataclass
class SweepRecord:
    """One sweep's map, as the history shows it."""

    path: Path
    system: str
    started_at: float
    platform: str
    source: SourceRevision | None
    cells: dict[str, str] = field(default_factory=dict)  # cell id → verdict


@dataclass
class Records:
    runs: list[RunRecord] = field(default_factory=list)
    sweeps: list[SweepRecord] = field(default_factory=list)


def _source(data: object, path: Path) -> SourceRevision | None:
    if data is None:
        return None  # outside a git work tree, or written before journals recorded it
    try:
        return SourceRevision.from_json(data)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError(
            "`system.source` is not a revision; expected {commit, commit_time, dirty, branch, "
            "repo} or null.",
            path=str(path),
            field="system.source",
        ) from None


def _front_door_in_faults(journal: Journal) -> tuple[float | None, float | None]:
    faults = next((f for f in phase_figures(journal) if f.phase == "faults"), None)
    if faults is None or not faults.requests:
        return None, None
    return faults.p99_ms, 1.0 - faults.error_rate


def _worst_amplification(journal: Journal) -> float | None:
    ratios = [
        float(edge["ratio"])
        for check in journal.checks
        if check.kind == "amplification"
        for edge in check.numbers.values()
        if isinstance(edge, dict) and isinstance(edge.get("ratio"), int | float)
    ]
    return max(ratios) if ratios else None


def run_record(journal: Journal, path: Path) -> RunRecord:
    p99_ms, availability = _front_door_in_faults(journal)
    recoveries = recovery_times_s(journal)
    unjudged = journal.outcome in UNJUDGED_OUTCOMES
    return RunRecord(
        path=path,
        system=str(journal.system.get("name", "")),
        scenario=str(journal.scenario.get("name", "")),
        run_id=journal.run_id,
        started_at=journal.started_at,
        platform=journal.platform,
        outcome=journal.outcome,
        source=_source(journal.system.get("source"), path),
        checks={
            c.name: "inconclusive" if unjudged else ("passed" if c.passed else "failed")
            for c in journal.checks
        },
        p99_ms=p99_ms,
        availability=availability,
        recovery_s=max(recoveries.values()) if recoveries else None,
        amplification=_worst_amplification(journal),
    )


def _sweep_from_journal(journal: Journal, path: Path) -> SweepRecord:
    cells = (journal.sweep or {}).get("cells", {})
    return SweepRecord(
        path=path,
        system=str(journal.system.get("name", "")),
        started_at=journal.started_at,
        platform=journal.platform,
        source=_source(journal.system.get("source"), path),
        cells={cell_id: str(cell.get("verdict")) for cell_id, cell in cells.items()},
    )


def _sweep_from_map(path: Path) -> SweepRecord:
    resilience_map = read_map(path)
    starts = [r.started_at for r in resilience_map.cells.values() if r.started_at]
    return SweepRecord(
        path=path,
        system=resilience_map.system,
        started_at=min(starts) if starts else path.stat().st_mtime,
        platform=resilience_map.platform,
        source=_source(resilience_map.source, path),
        cells={cell_id: r.verdict for cell_id, r in resilience_map.cells.items()},
    )


def _files_under(root: Path) -> list[Path]:
    if not root.exists():
        raise InputError(
            "This path does not exist; expected a run folder, a folder of run folders or a "
            "journal.json.",
            path=str(root),
        )
    if root.is_file():
        return [root]
    found = sorted(root.rglob(JOURNAL_FILE)) + sorted(root.rglob(MAP_FILE))
    if not found:
        raise InputError(
            f"No {JOURNAL_FILE} or sweep {MAP_FILE} under this folder; expected run folders "
            "(`firebreak run --out`), gate folders or sweep folders.",
            path=str(root),
        )
    return found


def read_records(paths: list[Path]) -> Records:
    """Every journal and sweep map under `paths`, each file once."""
    files: list[Path] = []
    seen: set[Path] = set()
    for root in paths:
        for found in _files_under(root):
            if found.resolve() not in seen:
                seen.add(found.resolve())
                files.append(found)
    records = Records()
    for path in files:
        if path.name == MAP_FILE:
            # a sweep's journal beside it holds the same map, and the system's revision
            if (path.parent / JOURNAL_FILE).resolve() not in seen:
                records.sweeps.append(_sweep_from_map(path))
            continue
        journal = read_journal(path)
        if journal.sweep is not None:
            records.sweeps.append(_sweep_from_journal(journal, path))
        elif journal.gameday is None:  # a game day is an exercise, not a point in a series
            records.runs.append(run_record(journal, path))
    return records


def one_system(records: Records, wanted: str | None, paths: list[Path]) -> Records:
    """The records of one system: `wanted`, or the only one there is."""
    by_system: dict[str, Path] = {}
    for record in [*records.runs, *records.sweeps]:
        by_system.setdefault(record.system, record.path)
    where = ", ".join(str(p) for p in paths)
    if not by_system:
        raise InputError(
            "Nothing to chart: only game days here; expected scenario runs' or sweeps' journals.",
            path=where,
        )
    if wanted is None and len(by_system) > 1:
        named = "; ".join(f"`{name}` (e.g. {path})" for name, path in sorted(by_system.items()))
        raise InputError(
            f"These journals are of {len(by_system)} systems: {named}; expected one system's. "
            "Choose one with `--system NAME`.",
            path=where,
        )
    if wanted is not None and wanted not in by_system:
        named = "; ".join(f"`{name}` (e.g. {path})" for name, path in sorted(by_system.items()))
        raise InputError(
            f"No journal of system `{wanted}` here; found {named}.", path=where, field="--system"
        )
    name = wanted or next(iter(by_system))
    return Records(
        runs=[r for r in records.runs if r.system == name],
        sweeps=[s for s in records.sweeps if s.system == name],
    )


def median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None
