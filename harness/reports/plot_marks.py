"""What every time-axis plot of the report shares: the fault windows shaded, the platform's
events as vertical lines, the phases named, and the PNG encoding (plots.py, arm_plots.py)."""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from harness.reports.journal import Journal

DPI = 100
FAULT_COLOURS = ("#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
EVENT_STYLES = {  # platform event kind -> (colour, line style, legend label)
    "killed": ("#d62728", "-", "instance killed"),
    "restarted": ("#2ca02c", "--", "instance restarted"),
    "paused": ("#9467bd", "-", "instance paused"),
    "resumed": ("#9467bd", "--", "instance resumed"),
}


def share_pct(part: float, whole: float) -> float:
    """`part` as a percentage of `whole` (0 where there is no whole)."""
    return 100.0 * part / whole if whole else 0.0


def png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def mark_faults_and_events(axes: Axes, journal: Journal, label: bool = False) -> None:
    """Shade each fault window and draw a vertical line at each kill, restart, pause, resume."""
    start = journal.started_at
    end_s = journal.ended_at - start
    for index, window in enumerate(journal.observations.faults):
        colour = FAULT_COLOURS[index % len(FAULT_COLOURS)]
        left_s = window.applied_at - start
        right_s = (window.reverted_at or journal.ended_at) - start
        if window.fault_type == "kill":
            continue  # instantaneous: the kill and restart lines say it better than a band
        axes.axvspan(left_s, max(right_s, left_s + 0.5), color=colour, alpha=0.12, lw=0)
        if label:
            axes.annotate(
                window.name,
                xy=(left_s, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                va="top",
                fontsize=8,
                color=colour,
                fontweight="bold",
            )
    for event in journal.observations.events:
        style = EVENT_STYLES.get(event.kind)
        if event.source == "platform" and style:
            colour, line_style, _ = style
            axes.axvline(event.t - start, color=colour, ls=line_style, lw=1.0, alpha=0.8)
            if label and event.kind in ("killed", "paused"):
                axes.annotate(
                    f"{event.kind} {event.name}",
                    xy=(event.t - start, 0.82),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, 0),
                    textcoords="offset points",
                    fontsize=8,
                    color=colour,
                )
    for phase in journal.observations.phases[1:]:
        axes.axvline(phase.start - start, color="#999999", lw=0.6, ls=":")
    axes.set_xlim(0, max(end_s, 1.0))
    axes.grid(True, alpha=0.25)


def phase_labels(axes: Axes, journal: Journal) -> None:
    for phase in journal.observations.phases:
        middle_s = (phase.start + phase.end) / 2 - journal.started_at
        axes.annotate(
            phase.name,
            xy=(middle_s, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=9,
            color="#555555",
        )


def event_legend() -> list[Line2D | Patch]:
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=c, ls=s, label=label) for c, s, label in EVENT_STYLES.values()
    ]
    handles.append(Patch(color=FAULT_COLOURS[0], alpha=0.2, label="fault window"))
    return handles
