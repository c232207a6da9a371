"""The report's "Request paths" section (issue 25): for each fault, what its traced requests
met: absorbed where, surfaced by which chain of services, with example trace ids (links to the
run's Jaeger, which answers while the system is up); and the dependency graph the traces show
beside the declared one. Everything from the journal is HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from harness.reports.journal import Journal

TOP_PATHS = 6


def _trace_links(ui: str, trace_ids: list[str]) -> str:
    return " ".join(
        f'<a href="{escape(ui)}/api/traces/{quote(trace_id)}">'
        f"<code>{escape(trace_id[:12])}</code></a>"
        for trace_id in trace_ids
    )


def _share(count: int, total: int) -> str:
    return f"{count} ({count / total:.0%})" if total else str(count)


def _fault_table(fault: dict[str, Any], ui: str) -> str:
    harmed = int(fault.get("harmed", 0))
    rows = [
        ("absorbed", label, count)
        for label, count in list(fault.get("absorbed_at", {}).items())[:TOP_PATHS]
    ] + [
        ("surfaced at the front door", f"via {label}", count)
        for label, count in list(fault.get("surfaced_via", {}).items())[:TOP_PATHS]
    ]
    body = "".join(
        f"<tr><td>{escape(kind)}</td><td>{escape(label)}</td><td>{_share(count, harmed)}</td>"
        f"<td>{_trace_links(ui, fault.get('examples', {}).get(label.removeprefix('via '), []))}"
        "</td></tr>"
        for kind, label, count in rows
    )
    edges = ", ".join(f"<code>{escape(e)}</code>" for e in fault.get("edges", []))
    head = (
        f"<h3>{escape(str(fault.get('fault')))} on {edges or 'no edge'}</h3>"
        f"<p>{fault.get('front_door_requests', 0)} front-door requests began during the fault; "
        f"{fault.get('touched', 0)} crossed what it hit, {harmed} of them were harmed (a failed "
        f"attempt or call, or a breaker's refusal): {fault.get('absorbed', 0)} absorbed, "
        f"{fault.get('surfaced', 0)} surfaced at the front door.</p>"
    )
    if not rows:
        return head
    return (
        head + "<table><tr><th>outcome</th><th>where</th><th>requests</th>"
        f"<th>example traces</th></tr>{body}</table>"
    )


def _graph(graph: dict[str, Any]) -> str:
    observed = graph.get("observed", {})
    declared = list(graph.get("declared", []))
    around = graph.get("around_proxy", {})
    edges = declared + [edge for edge in observed if edge not in declared]
    rows = "".join(
        f"<tr><td><code>{escape(edge)}</code></td>"
        f"<td>{'yes' if edge in declared else '<b>no</b>'}</td>"
        f"<td>{observed.get(edge, '<b>none</b>')}</td>"
        f"<td>{around.get(edge, '')}</td></tr>"
        for edge in edges
    )
    notes = []
    if graph.get("declared_not_traced"):
        notes.append(
            "Declared but never traced: "
            + ", ".join(f"<code>{escape(e)}</code>" for e in graph["declared_not_traced"])
            + " (the run never exercised them, or their caller does not trace its calls)."
        )
    if graph.get("traced_not_declared") or around:
        named = list(graph.get("traced_not_declared", [])) + list(around)
        notes.append(
            "A bypass: calls that did not go through the edge's proxy, where a fault on the edge "
            "touches nothing: " + ", ".join(f"<code>{escape(e)}</code>" for e in named) + "."
        )
    return (
        "<h3>The dependency graph: declared and traced</h3>"
        "<table><tr><th>edge</th><th>declared</th><th>calls traced</th>"
        f"<th>of them around the edge's proxy</th></tr>{rows}</table>"
        + "".join(f'<p class="note">{note}</p>' for note in notes)
    )


def request_paths_section(journal: Journal) -> str:
    """Empty for a run that collected no traces."""
    traces = journal.observations.traces
    if not traces:
        return ""
    heading = '<h2 id="request-paths">Request paths</h2>'
    if "error" in traces:
        return heading + f'<p class="note">Traces could not be read: {escape(traces["error"])}</p>'
    ui = str(traces.get("ui", ""))
    intro = (
        f'<p class="note">From {traces.get("traces", 0)} traces ({traces.get("spans", 0)} spans, '
        f"{traces.get('front_door_traces', 0)} of front-door requests) in the run's "
        f"{escape(str(traces.get('backend', '')))}, read in {traces.get('read_s', 0)} s. Each "
        "example links to its trace in that Jaeger's query API, which answers while the run's "
        "system is up (`firebreak up`); a Jaeger UI pointed at the same store shows it on a "
        "timeline, with the faults as spans of the service `firebreak`.</p>"
    )
    if traces.get("silent"):
        intro += (
            '<p class="note">Declared <code>traces: otlp</code> but sent no span: '
            + ", ".join(f"<code>{escape(s)}</code>" for s in traces["silent"])
            + ". Paths through them end where they are.</p>"
        )
    faults = "".join(_fault_table(fault, ui) for fault in traces.get("faults", []))
    return heading + intro + faults + _graph(traces.get("graph", {}))
