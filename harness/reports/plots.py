"""The report's plots, drawn with matplotlib from the journal alone, returned as PNG bytes.

Figures are built with `matplotlib.figure.Figure` and the Agg canvas, never through pyplot: no
global figure registry to leak memory across runs, no GUI backend to pick up from the
environment, and safe to call from the runner's thread. Every x axis is seconds from the start
of the run, so the plots line up with each other and with the timeline in the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from harness.observe.prometheus_text import BREAKER_STATE_NAMES
from harness.observe.series import ServicePoint
from harness.reports.arm_plots import arms_png, divided_service_png
from harness.reports.graph_layout import dependency_edges, edge_bend, layered_layout
from harness.reports.journal import Journal
from harness.reports.plot_marks import (
    event_legend,
    mark_faults_and_events,
    phase_labels,
    png,
    share_pct,
)

STATE_COLOURS = {
    "injected": "#d62728",  # where the fault was put
    "spread": "#ff7f0e",  # where it reached although it should not have
    "held": "#2ca02c",  # where a timeout, breaker or fallback stopped it
    "unaffected": "#d9d9d9",
}
BREAKER_COLOURS = ("#b7e1b0", "#ffd27f", "#e34a33")  # closed, half-open, open


def timeline_png(journal: Journal) -> bytes:
    """Requests/s, error and degraded rates, and p50/p95/p99 latency at the front door."""
    points = journal.observations.front_door
    t_s = [p.t + 0.5 - journal.started_at for p in points]  # the middle of each second
    figure = Figure(figsize=(13, 8.5), layout="constrained")
    rate_axes, share_axes, latency_axes = figure.subplots(3, 1, sharex=True)
    rate_axes.plot(t_s, [p.requests for p in points], color="#1f77b4", lw=1.3)
    rate_axes.set_ylabel("requests/s")
    rate_axes.set_ylim(bottom=0)
    share_axes.plot(
        t_s,
        [share_pct(p.failures, p.requests) for p in points],
        color="#d62728",
        label="error rate",
    )
    share_axes.plot(
        t_s,
        [share_pct(p.degraded, p.requests) for p in points],
        color="#ff7f0e",
        label="degraded answers",
    )
    share_axes.set_ylabel("% of requests")
    share_axes.set_ylim(bottom=0)
    share_axes.legend(loc="upper right", fontsize=8)
    for q, colour in ((50, "#6baed6"), (95, "#2171b5"), (99, "#08306b")):
        latency_axes.plot(t_s, [p.latency_ms(q) for p in points], color=colour, label=f"p{q}")
    latency_axes.set_yscale("log")
    latency_axes.set_ylabel("latency ms (log)")
    latency_axes.set_xlabel("seconds from the start of the run")
    latency_axes.legend(loc="upper right", fontsize=8, ncols=3)
    for axes in (rate_axes, share_axes, latency_axes):
        mark_faults_and_events(axes, journal, label=axes is rate_axes)
    phase_labels(rate_axes, journal)
    figure.legend(handles=event_legend(), loc="outside lower center", ncols=5, fontsize=8)
    return png(figure)


SERVICE_INDICATORS: list[tuple[str, Callable[[ServicePoint], float | None], str]] = [
    ("requests/s", lambda p: p.requests, "#1f77b4"),
    ("error %", lambda p: share_pct(p.errors, p.requests), "#d62728"),
    ("degraded %", lambda p: share_pct(p.degraded, p.requests), "#ff7f0e"),
    ("p99 ms", lambda p: p.p99_ms, "#08306b"),
]


def services_png(journal: Journal) -> bytes:
    """Small multiples: one row per service, one column per indicator, on the run's time axis."""
    services = journal.observations.services
    names = _service_order(journal, services)
    rows = max(len(names), 1)
    height_in = 1.55 * rows + 0.8
    figure = Figure(figsize=(13, height_in))
    # Fixed margins, not layout="constrained": the constraint solver over a 6×5 grid of axes
    # took most of the report's rendering time (about 1 s of 1.3).
    figure.subplots_adjust(
        left=0.95 / 13,
        right=1 - 0.15 / 13,
        top=1 - 0.4 / height_in,
        bottom=0.55 / height_in,
        wspace=0.28,
        hspace=0.35,
    )
    grid = figure.subplots(rows, len(SERVICE_INDICATORS), sharex=True, squeeze=False)
    for row, name in enumerate(names):
        points = services[name]
        t_s = [p.t + 0.5 - journal.started_at for p in points]  # the middle of each second
        for column, (title, value_of, colour) in enumerate(SERVICE_INDICATORS):
            axes = grid[row][column]
            axes.plot(t_s, [value_of(p) for p in points], color=colour, lw=1.1)
            axes.set_ylim(bottom=0)
            axes.tick_params(labelsize=7)
            mark_faults_and_events(axes, journal)
            if row == 0:
                axes.set_title(title, fontsize=10)
            if column == 0:
                axes.set_ylabel(name, fontsize=10, fontweight="bold")
    for axes in grid[-1]:
        axes.set_xlabel("s from start", fontsize=8)
    return png(figure)


def _service_order(journal: Journal, present: Iterable[str]) -> list[str]:
    """The system's order (callers before callees), then anything else that was scraped."""
    declared = list(journal.system.get("services", {}))
    present = list(present)
    return [n for n in declared if n in present] + [n for n in present if n not in declared]


def propagation_png(journal: Journal) -> bytes:
    """The dependency graph, once per fault, each service coloured by how the failure reached it."""
    services = list(journal.system.get("services", {}))
    edges = dependency_edges(journal)
    entries = journal.propagation or [{"fault": "no fault", "services": {}}]
    position = layered_layout(services, edges)
    columns = min(len(entries), 2)
    rows = (len(entries) + columns - 1) // columns
    figure = Figure(figsize=(6.5 * columns, 4.2 * rows + 0.6), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    windows = {w.name: w for w in journal.observations.faults}
    for index, axes in enumerate(ax for row in grid for ax in row):
        axes.set_axis_off()
        if index >= len(entries):
            continue
        entry = entries[index]
        states = entry.get("services", {})
        window = windows.get(entry.get("fault", ""))
        faulted_edges = {tuple(t.split("->", 1)) for t in (window.targets if window else [])}
        for caller, callee in edges:
            hit = (caller, callee) in faulted_edges
            bend = edge_bend(position[caller], position[callee], position.values())
            axes.annotate(
                "",
                xy=position[callee],
                xytext=position[caller],
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": STATE_COLOURS["injected"] if hit else "#777777",
                    "lw": 2.6 if hit else 1.1,
                    "ls": "--" if hit else "-",
                    "shrinkA": 26,
                    "shrinkB": 26,
                    "mutation_scale": 14,
                    "connectionstyle": f"arc3,rad={bend}",
                },
            )
        for name, (x, y) in position.items():
            state = states.get(name, "unaffected")
            axes.text(
                x,
                y,
                name,
                ha="center",
                va="center",
                fontsize=10,
                color="white" if state in ("injected", "spread", "held") else "#222222",
                bbox={
                    "boxstyle": "round,pad=0.5",
                    "fc": STATE_COLOURS.get(state, "#ffffff"),
                    "ec": "#333333",
                },
            )
        xs = [x for x, _ in position.values()] or [0.0]
        ys = [y for _, y in position.values()] or [0.0]
        axes.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
        axes.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
        what = window.description if window and window.description else ""
        axes.set_title(f"{entry.get('fault', '')}: {what}".rstrip(": "), fontsize=11)
    legend = [Patch(color=c, label=state) for state, c in STATE_COLOURS.items()]
    figure.legend(handles=legend, loc="outside lower center", ncols=4, fontsize=9)
    return png(figure)


def breakers_png(journal: Journal) -> bytes:
    """A heat strip per caller→callee breaker: closed, half-open or open, second by second."""
    start = journal.started_at
    rows: list[tuple[str, dict[int, int]]] = []
    for service in _service_order(journal, journal.observations.services):
        per_dependency: dict[str, dict[int, int]] = {}
        for point in journal.observations.services[service]:
            for dependency, values in point.dependencies.items():
                second = int(point.t - start)
                per_dependency.setdefault(dependency, {})[second] = values.breaker_state
        rows += [(f"{service}→{d}", states) for d, states in sorted(per_dependency.items())]
    seconds = max(int(journal.ended_at - start), 1)
    figure = Figure(figsize=(13, 0.32 * max(len(rows), 1) + 1.6), layout="constrained")
    axes = figure.subplots()
    # Runs of one state drawn as bars, not an image of rows × seconds: an image's buffers grew
    # with the run (18 MB more at 10 minutes than at 1), bars grow with the state changes.
    # Seconds without a sample stay white, so a gap in scraping is not taken for a closed breaker.
    for row, (_, states) in enumerate(rows):
        for state, spans in _state_runs(states).items():
            if 0 <= state < len(BREAKER_COLOURS):
                axes.broken_barh(spans, (row - 0.5, 1.0), color=BREAKER_COLOURS[state], lw=0)
    axes.set_xlim(0, seconds)
    axes.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    axes.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8)
    axes.set_xlabel("seconds from the start of the run")
    for window in journal.observations.faults:
        for at in (window.applied_at, window.reverted_at):
            if at is not None and window.fault_type != "kill":
                axes.axvline(at - start, color="#333333", lw=0.8, ls="--")
    names = BREAKER_STATE_NAMES
    legend = [Patch(color=c, label=n) for c, n in zip(BREAKER_COLOURS, names, strict=True)]
    legend.append(Line2D([], [], color="#333333", ls="--", label="fault applied / reverted"))
    figure.legend(handles=legend, loc="outside lower center", ncols=4, fontsize=8)
    return png(figure)


def _state_runs(states: dict[int, int]) -> dict[int, list[tuple[int, int]]]:
    """Second → state as (start, length) runs per state; missing seconds end a run."""
    runs: dict[int, list[tuple[int, int]]] = {}
    run_state, run_start, previous = None, 0, None
    for second in sorted(states):
        state = states[second]
        if state != run_state or previous is None or second != previous + 1:
            if run_state is not None and previous is not None:
                runs.setdefault(run_state, []).append((run_start, previous + 1 - run_start))
            run_state, run_start = state, second
        previous = second
    if run_state is not None and previous is not None:
        runs.setdefault(run_state, []).append((run_start, previous + 1 - run_start))
    return runs


PLOTS: dict[str, Callable[[Journal], bytes]] = {
    "timeline": timeline_png,
    "services": services_png,
    "propagation": propagation_png,
    "breakers": breakers_png,
}


def render_plots(journal: Journal) -> dict[str, bytes]:
    """Every plot of the report as PNG bytes, by name (`timeline`, `services`, ...)."""
    plots = {name: draw(journal) for name, draw in PLOTS.items()}
    # a split run's front door, and its divided service's own metrics, by arm side by side
    for name, draw_arms in (("arms", arms_png), ("arm_service", divided_service_png)):
        drawn = draw_arms(journal)
        if drawn is not None:
            plots[name] = drawn
    return plots
