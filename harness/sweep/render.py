"""The resilience map drawn: an HTML page (heat map with each cell's numbers one click away, and
the dependency graph with each edge and service coloured by its worst cell), a compact terminal
table, JUnit with one case per cell, and a scenario file per failed cell.

Pure rendering from the map; self-contained HTML (inline CSS and SVG, nothing fetched)."""

from __future__ import annotations

import json
import time
from html import escape
from pathlib import Path
from xml.etree import ElementTree

import yaml

from harness.gameday.exercise import relative_system_path
from harness.reports.graph_layout import layered_layout
from harness.sweep.cells import Cell, fault_spec
from harness.sweep.resilience_map import ResilienceMap
from harness.sweep.verdicts import DATA_LOST, DEGRADED, HELD, NO_EVIDENCE, SPREAD, CellResult
from harness.system import LOAD_CALLER, SystemSpec

COLOURS = {  # colour-blind-safe (Okabe-Ito), each with its word beside it
    HELD: "#009E73",
    DEGRADED: "#56B4E9",
    SPREAD: "#D55E00",
    DATA_LOST: "#CC79A7",
    NO_EVIDENCE: "#999999",
}
SHORT = {HELD: "held", DEGRADED: "degraded", SPREAD: "SPREAD", DATA_LOST: "DATA LOST",
         NO_EVIDENCE: "no evidence"}  # fmt: skip


def over_budget_mark(result: CellResult) -> str:
    """` ×3.1!` for a cell whose retries went over their budget, else nothing."""
    amplification = result.numbers.get("amplification") or {}
    if not amplification.get("over_budget"):
        return ""
    return f" ×{amplification['worst']:.1f}!"


def cell_text(result: CellResult | None, skipped: bool) -> str:
    if result is None:
        return "skipped" if skipped else "—"
    if result.verdict == SPREAD and result.reach:
        return f"SPREAD → {', '.join(result.reach)}{over_budget_mark(result)}"
    return SHORT[result.verdict] + over_budget_mark(result)


TERMINAL_LEGEND = (
    "→X spread as far as X (+N services on the way) · degraded: within promise · "
    "LOST: data lost · n/e: no evidence · ×N!: retries over their budget (N× the calls) · "
    "skip: left out by the budget"
)


def terminal_text(result: CellResult | None, skipped: bool) -> str:
    """A cell in a few characters, so the whole map fits a terminal's width."""
    if result is None:
        return "skip" if skipped else "·"
    if result.verdict == SPREAD and result.reach:
        more = f" +{len(result.reach) - 1}" if len(result.reach) > 1 else ""
        return f"→{result.reach[-1]}{more}{over_budget_mark(result)}"
    text = {DATA_LOST: "LOST", NO_EVIDENCE: "n/e"}.get(result.verdict, result.verdict)
    return text + over_budget_mark(result)


def terminal_rows(resilience_map: ResilienceMap) -> tuple[list[str], list[list[str]]]:
    """The columns and the rows of the compact table (`harness.cli.console.table`)."""
    skipped = set(resilience_map.skipped)
    rows = []
    for row in resilience_map.rows:
        cells = []
        for kind in resilience_map.kinds:
            cell_id = f"{row} × {kind}"
            cells.append(terminal_text(resilience_map.cells.get(cell_id), cell_id in skipped))
        rows.append([row, *cells])
    return ["", *resilience_map.kinds], rows


def heat_map_table(resilience_map: ResilienceMap) -> str:
    skipped = set(resilience_map.skipped)
    head = "".join(f"<th>{escape(kind)}</th>" for kind in resilience_map.kinds)
    body = []
    for row in resilience_map.rows:
        tds = []
        for kind in resilience_map.kinds:
            cell_id = f"{row} × {kind}"
            result = resilience_map.cells.get(cell_id)
            if result is None:
                text = "skipped" if cell_id in skipped else ""
                tds.append(f"<td class='empty'>{text}</td>")
                continue
            numbers = escape(json.dumps(result.numbers.get("checks", {}), indent=1))
            recovery = "" if result.recovery_s is None else f"recovered in {result.recovery_s} s"
            ratios = (result.numbers.get("amplification") or {}).get("ratios") or {}
            retries = ", ".join(
                f"{edge} {'no evidence' if r is None else f'{r:.2f}×'}"
                for edge, r in sorted(ratios.items())
            )
            recovery += f"</p><p>retry amplification: {escape(retries)}" if retries else ""
            tds.append(
                f"<td class='cell' data-cell='{escape(cell_id)}' "
                f"data-verdict='{escape(result.verdict)}' "
                f"style='background:{COLOURS[result.verdict]}'><details><summary>"
                f"{escape(cell_text(result, False))}</summary><p>{escape(result.summary)}</p>"
                f"<p>{recovery}</p><pre>{numbers}</pre></details></td>"
            )
        body.append(f"<tr><th class='row'>{escape(row)}</th>{''.join(tds)}</tr>")
    return f"<table class='heat'><tr><th></th>{head}</tr>{''.join(body)}</table>"


def system_graph(system: SystemSpec) -> tuple[list[str], list[tuple[str, str]]]:
    """The services and the dependency edges (caller, callee) the graph draws."""
    edges = [(e.caller, e.callee) for e in system.edges() if e.caller != LOAD_CALLER]
    return list(system.services), edges


def graph_svg(
    resilience_map: ResilienceMap, services: list[str], edges: list[tuple[str, str]]
) -> str:
    """The dependency graph, each edge and service coloured by its worst cell."""
    position = layered_layout(services, edges)
    xs = [p[0] for p in position.values()] or [0.0]
    ys = [p[1] for p in position.values()] or [0.0]

    def xy(name: str) -> tuple[float, float]:
        x, y = position[name]
        span_x, span_y = (max(xs) - min(xs)) or 1, (max(ys) - min(ys)) or 1
        return 90 + 620 * (x - min(xs)) / span_x, 40 + 220 * (max(ys) - y) / span_y

    shapes = []
    for caller, callee in edges:
        name = f"{caller}->{callee}"
        worst_cell = resilience_map.worst_of_row(name)
        colour = COLOURS.get(worst_cell or "", "#cccccc")
        (x1, y1), (x2, y2) = xy(caller), xy(callee)
        x1, x2 = x1 + 60, x2 - 60
        # an edge that skips a layer bows below the boxes between, so it is not read as theirs
        skips = abs(position[callee][0] - position[caller][0]) > 1
        bend_y = max(y1, y2) + 45 if skips else (y1 + y2) / 2
        shapes.append(
            f"<path data-edge='{escape(name)}' d='M {x1:.0f} {y1:.0f} Q {(x1 + x2) / 2:.0f} "
            f"{bend_y:.0f} {x2:.0f} {y2:.0f}' fill='none' stroke='{colour}' stroke-width='5'>"
            f"<title>{escape(name)}: worst {escape(worst_cell or 'not swept')}</title></path>"
        )
    for service in services:
        worst_cell = resilience_map.worst_of_row(service)
        stroke = COLOURS.get(worst_cell or "", "#888")
        x, y = xy(service)
        shapes.append(
            f"<g data-service='{escape(service)}'><rect x='{x - 60:.0f}' y='{y - 18:.0f}' "
            f"width='120' height='36' rx='8' fill='white' stroke='{stroke}' "
            f"stroke-width='4'/><text x='{x:.0f}' y='{y + 5:.0f}' text-anchor='middle' "
            f"font-size='13'>{escape(service)}</text></g>"
        )
    return f"<svg viewBox='0 0 800 340' class='graph'>{''.join(shapes)}</svg>"


MAP_STYLE = """
table.heat { border-collapse: collapse; font-size: 13px; }
table.heat th, table.heat td { border: 2px solid #fff; padding: 6px 8px; vertical-align: top; }
table.heat th.row { text-align: right; white-space: nowrap; }
td.cell { color: #000; min-width: 90px; } td.cell summary { cursor: pointer; font-weight: 600; }
td.cell pre { font-size: 11px; max-width: 420px; white-space: pre-wrap; background: #fff9; }
td.empty { background: #f3f3f3; color: #888; }
.legend span { display: inline-block; padding: 2px 10px; margin-right: 8px; border-radius: 4px; }
svg.graph { width: 100%; max-width: 900px; height: auto; }
"""
PAGE_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1300px;
  padding: 24px 32px; color: #1d1d1f; }
"""


def map_body(
    resilience_map: ResilienceMap,
    services: list[str],
    edges: list[tuple[str, str]],
    worse: list[tuple[str, str, str]],
) -> str:
    """The legend, the cells that got worse, the heat map, what the budget skipped and the
    graph: the map in `map.html` and in the sweep's `report.html` alike."""
    counts = resilience_map.counts()
    legend = "".join(
        f"<span style='background:{colour}'>{escape(verdict)}: {counts[verdict]}</span>"
        for verdict, colour in COLOURS.items()
    )
    regressions = (
        "<h3>Worse than the baseline map</h3><ul>"
        + "".join(f"<li>{escape(c)}: {escape(a)} → {escape(b)}</li>" for c, a, b in worse)
        + "</ul>"
        if worse
        else ""
    )
    skipped = (
        f"<p>Skipped by the budget ({len(resilience_map.skipped)}): "
        f"{escape(', '.join(resilience_map.skipped))}</p>"
        if resilience_map.skipped
        else ""
    )
    split = (
        f"<p>{escape(resilience_map.split)}: each cell on one of its edges is compared with the "
        "control arm in the same seconds; the others are judged over time.</p>"
        if resilience_map.split
        else ""
    )
    return f"""<p>{len(resilience_map.cells)} cells on {escape(resilience_map.platform)}, seed
{resilience_map.seed}. Rows: edges, then services; columns: faults. Click a cell for its
numbers.</p>{split}<p class="legend">{legend}</p>{regressions}
{heat_map_table(resilience_map)}{skipped}
<h3>Each edge and service by its worst cell</h3>{graph_svg(resilience_map, services, edges)}"""


def render_map_html(
    resilience_map: ResilienceMap, system: SystemSpec, worse: list[tuple[str, str, str]]
) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Firebreak resilience map: {escape(resilience_map.system)}</title>
<style>{PAGE_STYLE}{MAP_STYLE}</style></head><body>
<h1>Resilience map: {escape(resilience_map.system)}</h1>
<p>Drawn {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.</p>
{map_body(resilience_map, *system_graph(system), worse)}
</body></html>"""


def write_junit(resilience_map: ResilienceMap, path: Path) -> Path:
    suite = ElementTree.Element(
        "testsuite",
        name=f"sweep {resilience_map.system}",
        tests=str(len(resilience_map.cells)),
        failures=str(sum(r.failed for r in resilience_map.cells.values())),
    )
    for cell_id, result in resilience_map.cells.items():
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"sweep.{resilience_map.system}.{result.row}",
            name=result.kind,
            time=f"{max(0.0, result.ended_at - result.started_at):.1f}",
        )
        if result.failed:
            failure = ElementTree.SubElement(
                case, "failure", message=f"{cell_id}: {result.verdict}"
            )
            failure.text = result.summary
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_scenarios(
    resilience_map: ResilienceMap, system: SystemSpec, directory: Path, fault_s: float
) -> list[Path]:
    """A scenario file for every failed cell: the gap the sweep found, as a CI gate."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for result in resilience_map.cells.values():
        if not result.failed:
            continue
        cell = Cell(result.row, result.kind)
        spec = fault_spec(cell, fault_s)
        fault = spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        fault["at"], fault["name"] = "0s", cell.slug
        if "duration" in fault:
            fault["duration"] = f"{fault_s:g}s"
        document = {
            "name": cell.slug,
            "description": f"Found by a sweep: {result.cell} {result.verdict}. {result.summary}",
            "system": relative_system_path(system.path, directory / f"{cell.slug}.yaml"),
            "seed": resilience_map.seed,
            "phases": {
                "warmup": "5s",
                "baseline": "10s",
                "faults": f"{fault_s:g}s",
                "recovery": "15s",
            },
            "faults": [fault],
            # the gate the cell failed: nothing beyond the fault's target may move, and no
            # write may be lost where the system can be asked
            "expect": {
                "blast_radius": [cell.row.split("->")[-1]],
                **(
                    {"integrity": True}
                    if any(s.integrity for s in system.services.values())
                    else {}
                ),
            },
        }
        path = directory / f"{cell.slug}.yaml"
        text = yaml.safe_dump(document, sort_keys=False, width=100, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
