"""The history's figures over revisions, one row of plots per scenario, drawn with matplotlib's
Agg canvas (never pyplot, as `harness/reports/plots.py` does) and returned as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Callable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from harness.history.model import History, ScenarioAtRevision
from harness.history.regressions import AVAILABILITY, P99, RED, Regression

DPI = 100
FIGURES: list[tuple[str, str, Callable[[ScenarioAtRevision], float | None]]] = [
    (P99, "p99 (ms)", lambda c: c.p99_ms),
    (
        AVAILABILITY,
        "availability (%)",
        lambda c: None if c.availability is None else c.availability * 100,
    ),
    ("recovery", "recovery (s)", lambda c: c.recovery_s),
    ("amplification", "worst amplification (×)", lambda c: c.amplification),
]
PASSED_COLOUR, FAILED_COLOUR, OTHER_COLOUR = "#009E73", "#D55E00", "#999999"


def history_png(history: History, found: list[Regression]) -> bytes:
    scenarios = list(history.scenarios)
    rows = max(len(scenarios), 1)
    figure = Figure(figsize=(4.2 * len(FIGURES), 2.9 * rows), dpi=DPI, layout="constrained")
    labels = [r.label for r in history.revisions]
    for row, scenario in enumerate(scenarios):
        columns = history.scenarios[scenario]
        marked = {(r.what, r.revision) for r in found if r.scenario == scenario}
        for index, (what, unit, value_of) in enumerate(FIGURES):
            axes = figure.add_subplot(rows, len(FIGURES), row * len(FIGURES) + index + 1)
            xs, ys, colours = [], [], []
            for x, revision in enumerate(history.revisions):
                column = columns.get(revision.key)
                value = value_of(column) if column else None
                if value is None or column is None:
                    continue
                xs.append(x)
                ys.append(value)
                outcome = column.checks.get("outcome of the run")
                colours.append(
                    FAILED_COLOUR
                    if outcome in RED
                    else PASSED_COLOUR
                    if outcome == "passed"
                    else OTHER_COLOUR
                )
                if (what, revision.key) in marked:
                    axes.scatter([x], [value], s=220, facecolors="none", edgecolors="#CC0000",
                                 linewidths=2, zorder=3)  # fmt: skip
            axes.plot(xs, ys, color="#555555", linewidth=1, zorder=1)
            axes.scatter(xs, ys, c=colours, s=36, zorder=2)
            axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
            axes.set_xlim(-0.5, len(labels) - 0.5)
            axes.set_ylabel(unit, fontsize=8)
            axes.tick_params(axis="y", labelsize=7)
            axes.grid(alpha=0.3)
            title = f"{scenario}: {unit.split(' (')[0]}" if index == 0 else unit.split(" (")[0]
            axes.set_title(title, fontsize=9, loc="left")
    if not scenarios:
        figure.text(0.5, 0.5, "no scenario runs: sweeps only", ha="center")
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
