"""Where the propagation plot puts each service and how it bends each call: callers left of
their callees, in layers, with edges curved around the nodes they would cross. Pure geometry,
no matplotlib, so it is tested without drawing."""

from __future__ import annotations

from collections.abc import Iterable

from harness.reports.journal import Journal


def dependency_edges(journal: Journal) -> list[tuple[str, str]]:
    """Caller→callee pairs between services (the load's edge into the entrypoint left out)."""
    services = journal.system.get("services", {})
    edges = [
        (caller, callee)
        for caller, spec in services.items()
        for callee in (spec or {}).get("dependencies", {}) or {}
    ]
    for name in journal.system.get("edges", []):
        caller, _, callee = name.partition("->")
        if caller in services and callee in services and (caller, callee) not in edges:
            edges.append((caller, callee))
    return edges


def layered_layout(
    nodes: list[str], edges: list[tuple[str, str]]
) -> dict[str, tuple[float, float]]:
    """Place callers left of their callees: x is a node's longest call path from a root.

    Within a layer nodes are ordered by the mean height of their callers, which removes most
    crossings in graphs of this size without a layout engine.
    """
    callers: dict[str, list[str]] = {n: [] for n in nodes}
    for caller, callee in edges:
        callers.setdefault(callee, []).append(caller)
    depth: dict[str, int] = {}

    def depth_of(node: str, seen: frozenset[str] = frozenset()) -> int:
        if node not in depth:
            # a cycle would recurse forever; its back edge does not add depth
            parents = [c for c in callers.get(node, []) if c not in seen]
            depth[node] = 1 + max((depth_of(p, seen | {node}) for p in parents), default=-1)
        return depth[node]

    layers: dict[int, list[str]] = {}
    for node in nodes:
        layers.setdefault(depth_of(node), []).append(node)
    position: dict[str, tuple[float, float]] = {}
    for x in sorted(layers):
        layer = layers[x]

        def mean_caller_y(node: str) -> float:
            ys = [position[c][1] for c in callers.get(node, []) if c in position]
            return -sum(ys) / len(ys) if ys else 0.0

        layer.sort(key=lambda n: (mean_caller_y(n), n))
        for i, node in enumerate(layer):
            position[node] = (float(x), (len(layer) - 1) / 2 - i)
    return position


def edge_bend(
    start: tuple[float, float], end: tuple[float, float], nodes: Iterable[tuple[float, float]]
) -> float:
    """How much to curve an edge (matplotlib's arc3 `rad`) so that it misses the nodes between.

    An edge that skips a layer would otherwise run straight through a node in the middle
    layer, and look like two edges that do not exist.
    """
    (x0, y0), (x2, y2) = start, end
    between = [(x, y) for x, y in nodes if min(x0, x2) < x < max(x0, x2)]
    for rad in (0.0, 0.3, -0.3, 0.55, -0.55):
        # arc3's control point, as matplotlib computes it, of a quadratic Bézier curve
        cx, cy = (x0 + x2) / 2 + rad * (y2 - y0), (y0 + y2) / 2 - rad * (x2 - x0)
        curve = [
            (
                (1 - u) ** 2 * x0 + 2 * (1 - u) * u * cx + u**2 * x2,
                (1 - u) ** 2 * y0 + 2 * (1 - u) * u * cy + u**2 * y2,
            )
            for u in (i / 20 for i in range(21))
        ]
        clear = all(
            min(abs(px - x) * 2.5 + abs(py - y) for px, py in curve) > 0.45 for x, y in between
        )
        if clear:
            return rad
    return 0.3
