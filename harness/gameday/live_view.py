"""What the console shows, computed from the same observations the checks read: the front door's
seconds, each service's state now (as the containment check defines the states), each breaker's
state, each instance's state. Pure logic over `Observations`; the session calls it once a second.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.checks.containment import (
    HELD,
    IDLE,
    INJECTED,
    SPREAD,
    UNAFFECTED,
    UNSEEN,
    service_state,
)
from harness.checks.promise_view import PromiseView
from harness.observe.prometheus_text import BREAKER_STATE_NAMES
from harness.observe.series import FaultWindow, FrontDoorPoint, Observations
from harness.platforms.base import INSTANCE_DOWN, INSTANCE_REMOVED, Instance
from harness.reports.graph_layout import layered_layout
from harness.scenario import ToleranceSpec
from harness.system import SystemSpec

# a service's state "now" is judged over the last seconds of each active fault, not its whole
# window: a fallback that fired a minute ago says nothing about now
LIVE_WINDOW_S = 5.0
SECOND_OF_APPLY_S = 0.5
STEADY = "steady"  # no fault active
# when several faults are active, the worst state a service has under any of them
STATE_ORDER = [INJECTED, SPREAD, HELD, UNAFFECTED, IDLE, UNSEEN]


def front_door_row(point: FrontDoorPoint) -> dict[str, Any]:
    requests = point.requests
    return {
        "t": point.t,
        "rps": float(requests),
        "error_rate": point.failures / requests if requests else 0.0,
        "degraded_rate": point.degraded / requests if requests else 0.0,
        "p50_ms": point.latency_ms(50),
        "p99_ms": point.latency_ms(99),
    }


class SeriesRows:
    """The front door's seconds as chart rows; each second is summarised once."""

    def __init__(self) -> None:
        self._rows: dict[int, dict[str, Any]] = {}

    def rows(self, obs: Observations, last_s: float | None = None) -> list[dict[str, Any]]:
        points = list(obs.front_door)
        if last_s is not None and points:
            newest = points[-1].t
            points = [p for p in points if p.t > newest - last_s]
        out = []
        for point in points:
            row = self._rows.get(point.t)
            if row is None:
                row = self._rows[point.t] = front_door_row(point)
            out.append(row)
        return out


def system_view(system: SystemSpec) -> dict[str, Any]:
    """The services, the edges (the load's own left out) and where the graph draws each
    service, in 0..1 from callers on the left to callees on the right."""
    edges = [e for e in system.edges() if e.caller in system.services]
    raw = layered_layout(list(system.services), [(e.caller, e.callee) for e in edges])
    xs = [x for x, _ in raw.values()] or [0.0]
    ys = [y for _, y in raw.values()] or [0.0]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    layout = {
        name: [
            round(0.1 + 0.8 * (x - min(xs)) / span_x, 3),
            round(0.1 + 0.8 * (max(ys) - y) / span_y, 3) if len(set(ys)) > 1 else 0.5,
        ]
        for name, (x, y) in raw.items()
    }
    return {
        "name": system.name,
        "entrypoint": system.entrypoint,
        "services": [{"name": n, "replicas": s.replicas} for n, s in system.services.items()],
        "edges": [
            {
                "name": e.name,
                "caller": e.caller,
                "callee": e.callee,
                "optional": system.services[e.caller].dependencies[e.callee].optional,
            }
            for e in edges
        ],
        "layout": layout,
    }


def service_states(
    obs: Observations,
    system: SystemSpec,
    active: list[FaultWindow],
    now: float,
    tolerance: ToleranceSpec,
    promises: PromiseView,
) -> dict[str, dict[str, str]]:
    """Each service's state over the last seconds of the active faults; `steady` when none."""
    states: dict[str, dict[str, str]] = {}
    for service in system.services:
        seen = []
        for window in active:
            # the second the fault went in counts (its scrape holds the fault's first answers;
            # a second counts where its middle falls), so a fallback shows a second sooner
            start = max(window.applied_at - SECOND_OF_APPLY_S, now - LIVE_WINDOW_S)
            recent = replace(window, applied_at=start)
            state, _ = service_state(
                obs, service, system.entrypoint, recent, now, tolerance, promises
            )
            # the targets of a window count as injected from its very first second
            if service in window.target_services:
                state = INJECTED
            seen.append(state)
        worst = min(seen, key=STATE_ORDER.index) if seen else STEADY
        states[service] = {"state": worst}
    return states


def breaker_states(obs: Observations, system: SystemSpec) -> dict[str, str]:
    """Each edge's breaker as its caller's latest scrape reported it; `unknown` for a caller
    that exports no breaker (or was not scraped yet)."""
    states = {}
    for edge in system.edges():
        points = obs.services.get(edge.caller) or []
        dependency = points[-1].dependencies.get(edge.callee) if points else None
        state = -1 if dependency is None else int(dependency.breaker_state)
        known = 0 <= state < len(BREAKER_STATE_NAMES)
        states[edge.name] = BREAKER_STATE_NAMES[state] if known else "unknown"
    return states


def instance_rows(instances: list[Instance]) -> list[dict[str, Any]]:
    """The platform's instances in the console's words: a replica killed and waiting for its
    replacement is `killed`, one coming back after a kill is `restarting`."""
    rows = []
    for instance in instances:
        state = instance.state
        if state in (INSTANCE_DOWN, INSTANCE_REMOVED):
            state = "killed"
        elif state == "starting" and instance.restarts:
            state = "restarting"
        rows.append(
            {
                "id": instance.id,
                "service": instance.service,
                "state": state,
                "restarts": instance.restarts,
            }
        )
    return rows
