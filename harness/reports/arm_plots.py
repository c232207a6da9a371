"""A split run's front door by arm, side by side (issue 24): the experiment's replicas on the
left, the control's on the right, on shared axes, so the fault's effect is the difference between
the two columns in the same seconds. Drawn from the journal alone: each second's answers by the
replica the front door's balancer said served them (`FrontDoorPoint.servers`).

The divided service's own metrics by arm (`Observations.arms`) are drawn the same way: its
requests and errors, and each faulted dependency's calls, attempts and fallbacks a second, so the
fallbacks and retries the fault caused are the difference between the columns too, with the
seconds each arm's breaker on it was open shaded; at any depth, where the front door cannot tell
the arms apart."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FrontDoorPoint, ServicePoint
from harness.reports.journal import Journal
from harness.reports.plot_marks import mark_faults_and_events, phase_labels, png, share_pct

ARMS = (("experiment", "#d62728"), ("control", "#1f77b4"))
BREAKER_OPEN_COLOUR = "#ff7f0e"  # the seconds an arm's breaker on that dependency was open


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


def divided_service_png(journal: Journal) -> bytes | None:
    """The divided service's own indicators by arm, side by side; None for a run that kept no
    metrics by arm (a plain run, or a divided service that exports none)."""
    arms = journal.observations.arms
    if not all(arms.get(arm) for arm, _ in ARMS):
        return None
    service = sorted(arms[ARMS[0][0]])[0]
    callees = sorted(
        {
            edge.split("->", 1)[1]
            for window in journal.observations.faults
            for edge in window.targets
            if edge.startswith(f"{service}->")
        }
    )
    figure = Figure(figsize=(13, 2.6 * (1 + len(callees)) + 0.6), layout="constrained")
    grid = figure.subplots(1 + len(callees), 2, sharex=True, sharey="row", squeeze=False)
    for column, (arm, colour) in enumerate(ARMS):
        points = arms[arm].get(service, [])
        t_s = [p.t + 0.5 - journal.started_at for p in points]
        own = grid[0][column]
        # above the phases' names
        own.set_title(f"`{service}`, {arm} arm: its own metrics", fontsize=10, color=colour, pad=16)
        own.plot(t_s, [p.requests for p in points], color=colour, lw=1.3, label="requests/s")
        own.plot(t_s, [p.errors for p in points], color="#333333", lw=1.0, label="errors/s")
        for row, callee in enumerate(callees, start=1):
            axes = grid[row][column]
            for field_name, style in (("calls", "-"), ("attempts", ":"), ("fallbacks", "--")):
                axes.plot(
                    t_s,
                    [_dependency(p, callee, field_name) for p in points],
                    color=colour,
                    ls=style,
                    label=f"{field_name}/s",
                )
            for start_s, end_s in _open_spans(t_s, points, callee):
                axes.axvspan(start_s, end_s, color=BREAKER_OPEN_COLOUR, alpha=0.18, lw=0)
            axes.set_ylabel(f"→ {callee}")
        for axes in grid[:, column]:
            axes.set_ylim(bottom=0)
            axes.legend(loc="upper right", fontsize=8)
            mark_faults_and_events(axes, journal)
        phase_labels(own, journal)
        grid[-1][column].set_xlabel("seconds from the start of the run")
    return png(figure)


def _open_spans(
    t_s: Sequence[float], points: Sequence[ServicePoint], callee: str
) -> list[tuple[float, float]]:
    """The runs of seconds in which the arm's breaker on `callee` was open, as time spans."""
    spans: list[tuple[float, float]] = []
    for t, point in zip(t_s, points, strict=True):
        dependency = point.dependencies.get(callee)
        if dependency is None or dependency.breaker_state != 2:
            continue
        if spans and spans[-1][1] >= t - 0.5:
            spans[-1] = (spans[-1][0], t + 0.5)
        else:
            spans.append((t - 0.5, t + 0.5))
    return spans


def _dependency(point: ServicePoint, callee: str, field_name: str) -> float:
    dependency = point.dependencies.get(callee)
    return float(getattr(dependency, field_name)) if dependency is not None else 0.0
