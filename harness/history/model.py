"""The history's shape: revisions (a commit, `+dirty` apart) in the order they were committed,
and per scenario and revision what its runs showed, repeated runs folded into one column with
their flip rate.

A journal without a recorded revision (written before journals recorded one, or of a system
outside git) is a revision of its own, placed by when it ran. Pure logic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from harness.history.reading import Records, RunRecord, SweepRecord, median
from harness.source_revision import SourceRevision

PASSED, FAILED, INCONCLUSIVE, FLIPPED = "passed", "failed", "inconclusive", "flipped"
# the run's own outcome, shown as the first row of every scenario's grid
OUTCOME_ROW = "outcome of the run"


@dataclass
class Revision:
    key: str  # `<commit>` or `<commit>+dirty`; `run <run id>` without a recorded revision
    label: str  # short, for columns
    source: SourceRevision | None
    order: tuple[float, float]  # (commit time, or first start without one; first start)

    @property
    def title(self) -> str:
        """What a column's tooltip says: the whole commit, its time and branch."""
        if self.source is None:
            return f"{self.key}: no commit recorded (not in git, or an older journal)"
        dirty = ", with uncommitted changes" if self.source.dirty else ""
        return f"{self.source.commit} on {self.source.branch}, {self.source.commit_time}{dirty}"


@dataclass
class ScenarioAtRevision:
    """What one scenario's runs at one revision showed; several runs when it was repeated."""

    runs: list[RunRecord]
    checks: dict[str, str] = field(default_factory=dict)  # check → passed/failed/flipped/...
    flip_rate: float | None = None  # with two or more judged runs: share of checks that flipped

    @property
    def p99_ms(self) -> float | None:
        return median([r.p99_ms for r in self.runs])

    @property
    def availability(self) -> float | None:
        return median([r.availability for r in self.runs])

    @property
    def recovery_s(self) -> float | None:
        return median([r.recovery_s for r in self.runs])

    @property
    def amplification(self) -> float | None:
        return median([r.amplification for r in self.runs])


@dataclass
class History:
    system: str
    revisions: list[Revision]  # oldest first
    scenarios: dict[str, dict[str, ScenarioAtRevision]]  # scenario → revision key → runs
    checks: dict[str, list[str]]  # scenario → its check names, in the order first seen
    sweeps: dict[str, SweepRecord]  # revision key → the newest sweep at it

    @property
    def newest(self) -> Revision:
        return self.revisions[-1]

    def label(self, key: str) -> str:
        return next(r.label for r in self.revisions if r.key == key)

    def revisions_of(self, scenario: str) -> list[Revision]:
        return [r for r in self.revisions if r.key in self.scenarios[scenario]]

    def sweep_revisions(self) -> list[Revision]:
        return [r for r in self.revisions if r.key in self.sweeps]


def _commit_ts(source: SourceRevision) -> float:
    try:
        return datetime.fromisoformat(source.commit_time).timestamp()
    except ValueError:
        return 0.0


def revision_key(source: SourceRevision | None, run_id: str) -> str:
    if source is None:
        return f"run {run_id}"
    return source.commit + ("+dirty" if source.dirty else "")


def _revision(source: SourceRevision | None, run_id: str, started_at: float) -> Revision:
    key = revision_key(source, run_id)
    label = source.label if source else key
    primary = _commit_ts(source) if source else started_at
    return Revision(key, label, source, (primary, started_at))


def _fold(runs: list[RunRecord]) -> ScenarioAtRevision:
    """Repeated runs as one column: a check that passed in some judged runs and failed in
    others flipped; the flip rate is the share of checks that did (as `run --repeat` says)."""
    folded = ScenarioAtRevision(sorted(runs, key=lambda r: r.started_at))
    judged = [r for r in folded.runs if r.outcome not in ("inconclusive", "error")]
    outcomes = {r.outcome for r in judged} or {INCONCLUSIVE}
    folded.checks[OUTCOME_ROW] = outcomes.pop() if len(outcomes) == 1 else FLIPPED
    names = [name for run in folded.runs for name in run.checks]
    for name in dict.fromkeys(names):
        seen = {r.checks[name] for r in judged if name in r.checks}
        folded.checks[name] = seen.pop() if len(seen) == 1 else (FLIPPED if seen else INCONCLUSIVE)
    if len(judged) >= 2:
        checks = [n for n in folded.checks if n != OUTCOME_ROW]
        flipped = [n for n in checks if folded.checks[n] == FLIPPED]
        folded.flip_rate = len(flipped) / len(checks) if checks else 0.0
    return folded


def build_history(system: str, records: Records) -> History:
    revisions: dict[str, Revision] = {}
    grouped: dict[str, dict[str, list[RunRecord]]] = {}
    for run in records.runs:
        revision = _revision(run.source, run.run_id, run.started_at)
        known = revisions.setdefault(revision.key, revision)
        known.order = min(known.order, revision.order)
        grouped.setdefault(run.scenario, {}).setdefault(revision.key, []).append(run)
    sweeps: dict[str, SweepRecord] = {}
    for sweep in sorted(records.sweeps, key=lambda s: s.started_at):
        revision = _revision(sweep.source, sweep.path.parent.name, sweep.started_at)
        known = revisions.setdefault(revision.key, revision)
        known.order = min(known.order, revision.order)
        sweeps[revision.key] = sweep  # the newest sweep at a revision stands for it
    ordered = sorted(revisions.values(), key=lambda r: (r.order, r.key))
    scenarios = {
        name: {key: _fold(runs) for key, runs in by_revision.items()}
        for name, by_revision in sorted(grouped.items())
    }
    checks = {
        name: list(dict.fromkeys(c for column in columns.values() for c in column.checks))
        for name, columns in scenarios.items()
    }
    return History(system, ordered, scenarios, checks, sweeps)
