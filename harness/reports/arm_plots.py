"""A split run's front door by arm, side by side (issue 24): the experiment's replicas on the
left, the control's on the right, on shared axes, so the fault's effect is the difference between
the two columns in the same seconds. Drawn from the journal alone: each second's answers by the
replica the front door's balancer said served them (`FrontDoorPoint.servers`)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FrontDoorPoint
from harness.reports.journal import Journal
from harness.reports.plot_marks import mark_faults_and_events, phase_labels, png, share_pct

ARMS = (("experiment", "#d62728"), ("control", "#1f77b4"))


def _arm_rows(
    points: Sequence[FrontDoorPoint], replicas: Sequence[str]
) -> tuple[list[float], list[float], list[float], list[float | None]]:
    """Per second: requests, failed %, degraded % and p99 ms of one arm's answers."""
    requests, failed, degraded, p99 = [], [], [], []
    for point in points:
        histogram = LatencyHistogram()
        count = bad = slow_marked = 0
        for replica in replicas:
            figures = point.servers.get(replica)
            if figures is None:
                continue
            count += int(figures["requests"])
            bad += int(figures["failures"])
            slow_marked += int(figures.get("degraded", 0))
            histogram.merge(LatencyHistogram.from_json(figures["histogram"]))
        requests.append(float(count))
        failed.append(share_pct(bad, count))
        degraded.append(share_pct(slow_marked, count))
        p99.append(histogram.percentile(99) if histogram.count else None)
    return requests, failed, degraded, p99


def arms_of(journal: Journal) -> dict[str, list[str]] | None:
    """The replicas of each arm, when the run was split and the front door named them."""
    split = journal.evidence.get("split") or {}
    arms = {name: list(split.get(name) or []) for name, _ in ARMS}
    named = any(p.servers for p in journal.observations.front_door)
    return arms if all(arms.values()) and named else None


def arms_png(journal: Journal) -> bytes | None:
    """Requests/s, failed and degraded answers, and p99, for each arm side by side; None for a
    run that was not split (or whose front door did not say which replica answered)."""
    arms = arms_of(journal)
    if arms is None:
        return None
    points = journal.observations.front_door
    t_s = [p.t + 0.5 - journal.started_at for p in points]
    figure = Figure(figsize=(13, 8.5), layout="constrained")
    grid = figure.subplots(3, 2, sharex=True, sharey="row")
    for column, (arm, colour) in enumerate(ARMS):
        requests, failed, degraded, p99 = _arm_rows(points, arms[arm])
        rate_axes, share_axes, latency_axes = grid[:, column]
        rate_axes.set_title(f"{arm}: {', '.join(arms[arm])}", fontsize=10, color=colour)
        rate_axes.plot(t_s, requests, color=colour, lw=1.3)
        rate_axes.set_ylim(bottom=0)
        share_axes.plot(t_s, failed, color=colour, label="failed")
        share_axes.plot(t_s, degraded, color=colour, ls="--", alpha=0.7, label="degraded")
        share_axes.set_ylim(bottom=0)
        share_axes.legend(loc="upper right", fontsize=8)
        latency_axes.plot(t_s, p99, color=colour, label="p99")
        latency_axes.set_yscale("log")
        latency_axes.set_xlabel("seconds from the start of the run")
        for axes in (rate_axes, share_axes, latency_axes):
            mark_faults_and_events(axes, journal)
        phase_labels(rate_axes, journal)
    grid[0, 0].set_ylabel("answers/s")
    grid[1, 0].set_ylabel("% of answers")
    grid[2, 0].set_ylabel("p99 ms (log)")
    return png(figure)
