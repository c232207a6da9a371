"""What a run's traces say about each fault, request by request: which front-door requests
touched what the fault hit, where each one the fault harmed was absorbed (a retry, a fallback,
a breaker, or a caller that answered anyway) or by which chain of services it surfaced at the
front door; each edge's calls and attempts; and the dependency graph the traces show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from harness.traces.calls import Call, TraceView
from harness.traces.spans import SERVER

EXAMPLES_KEPT = 3
ARROW = " → "


@dataclass(frozen=True)
class FaultSpan:
    """A fault as the traces are read for it: the edges it hit and when."""

    name: str
    edges: tuple[str, ...]
    start_s: float
    end_s: float


def _in_window(call: Call, fault: FaultSpan) -> bool:
    start_s = call.span.start_us / 1e6
    return fault.start_s <= start_s < fault.end_s


def _path_to(view: TraceView, call: Call) -> str:
    """The services a failure crossed on its way up: the front door first, the callee last."""
    chain = [s.service for s in reversed(view.ancestors(call.span)) if s.kind == SERVER]
    names: list[str] = []
    for name in [*chain, call.span.service, *(call.edge or "->?").split("->", 1)[1:]]:
        if not names or names[-1] != name:
            names.append(name)
    return ARROW.join(names)


def _absorbed_where(view: TraceView, call: Call) -> str:
    """Where a harmed call stopped hurting: its own retry, its caller's fallback or breaker,
    else the nearest service above it whose answer succeeded (no mark: said as such)."""
    caller = call.span.service
    if not call.failed:
        return f"retry at `{caller}`"
    if call.edge and view.has_fallback(call.edge):
        how = "breaker open, fallback" if call.breaker_rejected else "fallback"
        return f"{how} at `{caller}`"
    for span in view.ancestors(call.span):
        if span.kind == SERVER and not span.failed:
            return f"answered anyway at `{span.service}` (no mark)"
    return f"absorbed at `{caller}` (no mark)"


def _harmed(call: Call) -> bool:
    return call.failed or call.failed_attempts > 0 or call.breaker_rejected


def paths_for_fault(views: list[TraceView], fault: FaultSpan) -> dict[str, Any]:
    """The fault's requests: touched, harmed, absorbed where, surfaced by which path."""
    touched = harmed = surfaced = front_door = 0
    absorbed_at: Counter[str] = Counter()
    surfaced_via: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    edges = {edge: Counter[str]() for edge in fault.edges}
    for view in views:
        in_window = [c for c in view.calls if _in_window(c, fault)]
        if view.root is not None and fault.start_s <= view.root.start_us / 1e6 < fault.end_s:
            front_door += 1
        hit = [c for c in in_window if c.edge in edges]
        for call in hit:
            figures = edges[call.edge or ""]
            figures["calls"] += 1
            figures["attempts"] += len(call.attempts)
            figures["failed_calls"] += call.failed
            figures["breaker_rejected"] += call.breaker_rejected
            figures["fallbacks"] += call.failed and view.has_fallback(call.edge or "")
        if not hit or view.root is None:
            continue  # a background job's trace is not a front-door request
        touched += 1
        first_harm = next((c for c in hit if _harmed(c)), None)
        if first_harm is None:
            continue
        harmed += 1
        if view.front_door_failed:
            surfaced += 1
            label = _path_to(view, first_harm)
            surfaced_via[label] += 1
        else:
            label = _absorbed_where(view, first_harm)
            absorbed_at[label] += 1
        kept = examples.setdefault(label, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append(view.trace_id)
    return {
        "fault": fault.name,
        "edges": list(fault.edges),
        "window": [fault.start_s, fault.end_s],
        "front_door_requests": front_door,
        "touched": touched,
        "harmed": harmed,
        "absorbed": harmed - surfaced,
        "surfaced": surfaced,
        "absorbed_at": dict(absorbed_at.most_common()),
        "surfaced_via": dict(surfaced_via.most_common()),
        "examples": examples,
        "edge_calls": {edge: dict(figures) for edge, figures in edges.items()},
    }


# the columns of `edge_seconds`, after the second itself
EDGE_SECOND_FIELDS = ("calls", "attempts", "failed_calls", "fallbacks", "breaker_rejected")


def edge_seconds(views: list[TraceView]) -> dict[str, list[list[int]]]:
    """Edge → one row a second (by the call's start): [t, calls, attempts, failed calls,
    failed calls that met the caller's fallback, calls the breaker refused]; so a check sums
    the seconds of its own window."""
    rows: dict[str, dict[int, list[int]]] = {}
    for view in views:
        for call in view.calls:
            if not call.edge:
                continue
            second = int(call.span.start_us // 1_000_000)
            row = rows.setdefault(call.edge, {}).setdefault(second, [second, 0, 0, 0, 0, 0])
            row[1] += 1
            row[2] += len(call.attempts)
            row[3] += call.failed
            row[4] += call.failed and view.has_fallback(call.edge)
            row[5] += call.breaker_rejected
    return {edge: [by_second[t] for t in sorted(by_second)] for edge, by_second in rows.items()}


def observed_edges(
    views: list[TraceView], entrypoint: str, addresses: dict[str, str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Every edge a trace crossed, with its calls (the front door's requests as `load->…`);
    and the edges some of whose calls went around the edge's proxy, with how many."""
    seen: Counter[str] = Counter()
    around: Counter[str] = Counter()
    for view in views:
        if view.root is not None:
            seen[f"load->{entrypoint}"] += 1
        for call in view.calls:
            if call.edge:
                seen[call.edge] += 1
                around[call.edge] += call.around_proxy(addresses)
    return dict(sorted(seen.items())), {edge: n for edge, n in sorted(around.items()) if n}


def graph_against_declared(
    observed: dict[str, int], declared: list[str], around_proxy: dict[str, int]
) -> dict[str, Any]:
    """Edges declared but never traced (a dependency the run never exercised, or a caller that
    does not trace its calls); traced but not declared, and declared edges whose calls went
    around their proxy: both bypasses, where a fault on the edge touches nothing."""
    return {
        "observed": observed,
        "declared": declared,
        "declared_not_traced": [edge for edge in declared if edge not in observed],
        "traced_not_declared": [edge for edge in observed if edge not in declared],
        "around_proxy": around_proxy,
    }
