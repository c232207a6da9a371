"""Render every report of a run from its journal: the runner calls this at the end of each run.

run folder/
  journal.json     the input (read, never written here)
  report.html      self-contained: plots embedded
  plots/*.png      the same plots as files, for CI artifacts and slides
  junit.xml        for CI test-result views
  summary.md       for CI job summaries (also appended to $GITHUB_STEP_SUMMARY when set)
"""

from __future__ import annotations

from pathlib import Path

from harness.reports.html import write_html
from harness.reports.journal import Journal, read_journal
from harness.reports.junit import write_junit
from harness.reports.plots import render_plots
from harness.reports.summary import write_summary


def render_run(
    journal_path: Path,
    out_dir: Path | None = None,
    step_summary: Path | None = None,
    journal: Journal | None = None,
) -> dict[str, Path]:
    """Write every report of the journal at `journal_path` into `out_dir` (default: beside it).

    Returns the written paths by name: `html`, `junit`, `summary`, and `plot:<name>` per plot.
    Raises `JournalError` (exit 2) for a journal that is missing, corrupt or of another version.
    The runner passes the `journal` it just wrote, so a long run is not held in memory twice.
    """
    journal_path = Path(journal_path)
    if journal is None:
        journal = read_journal(journal_path)
    out = Path(out_dir) if out_dir is not None else journal_path.parent
    plots_dir = out / "plots"
    plots_dir.mkdir(parents=True, exist_ok=True)
    plots = render_plots(journal)
    written: dict[str, Path] = {}
    for name, png in plots.items():
        path = plots_dir / f"{name}.png"
        path.write_bytes(png)
        written[f"plot:{name}"] = path
    written["html"] = write_html(journal, plots, out / "report.html")
    if journal.sweep:  # a case per cell: the map's own JUnit
        from harness.sweep.render import write_junit as write_cells_junit
        from harness.sweep.resilience_map import ResilienceMap

        cells = ResilienceMap.from_json(journal.sweep)
        written["junit"] = write_cells_junit(cells, out / "junit.xml")
    else:
        written["junit"] = write_junit(journal, out / "junit.xml")
    written["summary"] = write_summary(journal, out / "summary.md", step_summary)
    return written
