"""The report's "Resilience map" section, for a sweep's journal: the heat map and the graph of
`harness/sweep/render.py`, drawn from the map the journal holds."""

from __future__ import annotations

from harness.reports.journal import Journal
from harness.sweep.render import MAP_STYLE, map_body
from harness.sweep.resilience_map import ResilienceMap
from harness.system import LOAD_CALLER


def sweep_section(journal: Journal) -> str:
    if not journal.sweep:
        return ""
    resilience_map = ResilienceMap.from_json(journal.sweep)
    services = list(journal.system.get("services", {}))
    edges = []
    for name in journal.system.get("edges", []):
        caller, _, callee = str(name).partition("->")
        if caller != LOAD_CALLER and callee:
            edges.append((caller, callee))
    worse = [tuple(each) for each in journal.sweep.get("worse", [])]
    body = map_body(resilience_map, services, edges, worse)  # type: ignore[arg-type]
    return f'<style>{MAP_STYLE}</style><h2 id="map">Resilience map</h2>{body}'
