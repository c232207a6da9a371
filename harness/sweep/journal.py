"""A sweep's journal and reports: the ordinary `journal.json` of the whole deployment (every
second of load and metrics, every cell's fault window and events), with the map in its `sweep`
field, and the usual reports rendered from it, the resilience map at the top of `report.html`
and one JUnit case per cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.observe.series import Observations, PhaseSpan
from harness.reports.journal import Journal
from harness.reports.journal_builder import build_journal
from harness.scenario import Scenario
from harness.sweep.resilience_map import ResilienceMap
from harness.sweep.verdicts import DATA_LOST, NO_EVIDENCE, SPREAD
from harness.system import SystemSpec
from harness.timeline import Timeline


def sweep_outcome(
    resilience_map: ResilienceMap, worse: list[Any], error: str | None, interrupted: str | None
) -> str:
    """`failed` when a cell lost data, could not be seen, or got worse than the baseline map;
    a spread is a finding the map shows, and `--baseline` turns it into a gate."""
    if error:
        return "error"
    if interrupted:
        return "aborted"
    unseen_or_lost = [
        r for r in resilience_map.cells.values() if r.verdict in (DATA_LOST, NO_EVIDENCE)
    ]
    return "failed" if unseen_or_lost or worse or not resilience_map.cells else "passed"


def map_sentence(resilience_map: ResilienceMap) -> str:
    counts = ", ".join(f"{n} {verdict}" for verdict, n in resilience_map.counts().items() if n)
    skipped = (
        f"; {len(resilience_map.skipped)} skipped by the budget" if resilience_map.skipped else ""
    )
    cells = resilience_map.cells.values()
    if any(r.verdict in (DATA_LOST, NO_EVIDENCE) for r in cells):
        meaning = " A cell that lost data or could not be seen fails the sweep."
    elif any(r.verdict == SPREAD for r in cells):
        meaning = (
            " Every cell was seen and no write was lost; a spread is a finding, which"
            " `--baseline` or `--write-scenarios` makes a gate."
        )
    else:
        meaning = ""
    return f"{len(resilience_map.cells)} cells judged: {counts or 'none'}{skipped}.{meaning}"


def write_sweep_journal(
    *,
    run_dir: Path,
    started_at: float,
    swept_from: float | None,
    scenario: Scenario,
    system: SystemSpec,
    seed: int,
    platform: str,
    toxiproxy_version: str,
    observations: Observations,
    resilience_map: ResilienceMap,
    worse: list[tuple[str, str, str]],
    outcome: str,
    error: str | None,
    interrupted: str | None,
) -> tuple[Path, Journal]:
    """Write `journal.json`; return its path and the journal."""
    end = max([p.t + 1 for p in observations.front_door] or [started_at])
    # two phases only: fifty cells' three phases each would bury the plots in labels; each
    # cell's own phases and numbers are in the map
    observations.phases = [
        PhaseSpan("warmup", started_at, swept_from or end),
        *([PhaseSpan("sweep", swept_from, end)] if swept_from else []),
    ]
    journal = build_journal(
        run_id=run_dir.name,
        started_at=started_at,
        outcome=outcome,
        scenario=scenario,
        seed=seed,
        platform=platform,
        time_scale=1.0,
        toxiproxy_version=toxiproxy_version,
        system=system,
        timeline=Timeline(scenario.name, seed, phases=(), events=()),
        observations=observations,
        propagation=[],
        checks=[],
        error=error,
        abort_reason=interrupted,
        source=resilience_map.source,
    )
    journal.sweep = {**resilience_map.to_json(), "worse": [list(w) for w in worse]}
    journal.verdict = map_sentence(resilience_map)
    return journal.write(run_dir / "journal.json"), journal


def render_sweep_reports(journal_path: Path, journal: Journal) -> dict[str, Path]:
    from harness.reports.render import render_run

    return render_run(journal_path, journal=journal)
