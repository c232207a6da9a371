"""The report's "What the verdict rests on" section: services seen only from the outside,
declarations that could not be judged, the promises judged and where each was written, the
machine's interference, retry amplification and the metrics each service gave. Everything from
the journal is HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from harness.reports.journal import Journal
from harness.reports.promise_rows import promises_html

INTERFERENCE_LABELS = {
    "foreign_cores_mean": "other workloads, cores (mean)",
    "foreign_cores_max": "other workloads, cores (max)",
    "ours_cores_mean": "this run, cores (mean)",
    "load_cpu_max": "load generator, share of a core (max)",
    "load_saturated_share": "seconds with the load generator saturated",
    "load_lag_ms_max": "load generator's event loop, worst lateness ms",
    "tick_lag_ms_max": "harness timer, worst lateness ms",
    "psi_cpu_some_pct_max": "CPU pressure, some avg10 % (max)",
}


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _interference(evidence: dict[str, Any]) -> str:
    interference = evidence.get("interference") or {}
    numbers = interference.get("numbers") or {}
    if not numbers:
        return ""
    verdict = (
        "The machine interfered: " + "; ".join(interference.get("reasons", [])) + "."
        if interference.get("detected")
        else "The machine did not interfere with the measurement."
    )
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td class='num'>{escape(str(numbers.get(key)))}</td></tr>"
        for key, label in INTERFERENCE_LABELS.items()
        if numbers.get(key) is not None
    )
    return (
        f"<h3>The machine</h3><p>{escape(verdict)}</p>"
        f"<table><thead><tr><th>measure</th><th>value</th></tr></thead><tbody>{rows}</tbody>"
        "</table>"
    )


def _count(value: Any) -> str:
    return "–" if value is None else str(value)


def _amplification(journal: Journal) -> str:
    rows = ""
    for entry in journal.propagation:
        for edge, figures in (entry.get("amplification") or {}).items():
            ratio = figures.get("ratio")
            rows += (
                f"<tr><td>{escape(str(entry.get('fault')))}</td><td>{escape(edge)}</td>"
                f"<td class='num'>{_count(figures.get('calls'))}</td>"
                f"<td class='num'>{_count(figures.get('attempts'))}</td>"
                f"<td class='num'>{'no evidence' if ratio is None else f'{ratio:.2f}×'}</td>"
                f"<td>{escape(str(figures.get('judged_from') or '–'))}</td></tr>"
            )
    if not rows:
        return ""
    return (
        "<h3>Retry amplification</h3><p class='note'>Attempts that reached each faulted "
        "dependency per logical call its caller made, during the fault.</p><table><thead><tr>"
        "<th>fault</th><th>edge</th><th>calls</th><th>attempts</th><th>ratio</th>"
        f"<th>judged from</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _edges(evidence: dict[str, Any]) -> str:
    """Where each edge's traffic was counted, and the edges that looked bypassed."""
    edges = evidence.get("edges") or {}
    warnings = evidence.get("warnings") or []
    if not edges and not warnings:
        return ""
    modes = edges.get("modes") or {}
    where = edges.get("source") or edges.get("why") or "not measured"
    text = (
        f"<h3>Edges' traffic</h3><p class='note'>Counted by {escape(str(where))}: "
        f"{edges.get('samples_ok', 0)} samples read, {edges.get('samples_failed', 0)} failed. "
        + escape(
            ", ".join(f"{edge} ({mode})" for edge, mode in sorted(modes.items()))
            or "no edge was counted"
        )
        + ".</p>"
    )
    if warnings:
        text += "<p><strong>Likely bypasses</strong></p>" + _list(warnings)
    return text


def _metrics(evidence: dict[str, Any]) -> str:
    metrics = evidence.get("metrics") or {}
    if not metrics:
        return ""
    rows = ""
    for service, seen in sorted(metrics.items()):
        failures = ", ".join(f"{k} ×{v}" for k, v in (seen.get("failures") or {}).items())
        declared = seen.get("path") if seen.get("declared") else "none (metrics: false)"
        rows += (
            f"<tr><td>{escape(service)}</td><td>{escape(str(declared))}</td>"
            f"<td class='num'>{seen.get('scrapes_ok', 0)}</td>"
            f"<td>{escape(failures or '–')}</td>"
            f"<td>{'yes' if seen.get('requests_series_seen') else 'no'}</td></tr>"
        )
    return (
        "<h3>Metrics scraped</h3><table><thead><tr><th>service</th><th>metrics</th>"
        "<th>scrapes answered</th><th>scrapes failed</th><th>request counter found</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def evidence_section(journal: Journal) -> str:
    evidence = journal.evidence or {}
    parts = []
    outside = evidence.get("seen_only_from_outside") or {}
    if outside:
        parts.append(
            "<h3>Judged only from the outside</h3><p class='note'>These services were judged by "
            "what the load generator and their callers saw, not by their own metrics.</p>"
            + _list([f"{service}: {why}" for service, why in sorted(outside.items())])
        )
    notes = evidence.get("not_judged") or []
    if notes:
        parts.append("<h3>Declared but not judged</h3>" + _list(notes))
    parts += [
        promises_html(evidence),
        _interference(evidence),
        _amplification(journal),
        _edges(evidence),
        _metrics(evidence),
    ]
    body = "".join(p for p in parts if p)
    if not body:
        return ""
    return f'<h2 id="evidence">What the verdict rests on</h2>{body}'
