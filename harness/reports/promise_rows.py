"""The promises a run judged, as the reports show them: per service and endpoint, each limit with
where it was written (scenario, system.yaml, published at /promise), per phase where a scenario's
`during` made them differ.

Read from the journal's `evidence.promises` (the view `harness.checks.promise_view` recorded);
a journal written before it has none, and the reports then show no such table.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

LIMITS = ("latency_p99_ms", "availability")


@dataclass(frozen=True)
class PromiseRow:
    service: str
    endpoint: str
    promised_in: str  # where the endpoint itself was written
    latency_p99: str  # "800 ms (scenario)", per phase where they differ, "–" for none
    availability: str


def _one(limits: dict[str, Any], name: str) -> str | None:
    value = limits.get(name)
    if value is None:
        return None
    shown = f"{value:g} ms" if name == "latency_p99_ms" else f"{value:.2%}"
    source = limits.get(f"{name}_from")
    return f"{shown} ({source})" if source else shown


def _limit_text(limits: dict[str, Any], name: str) -> str:
    """One limit, or per phase (phases sharing a value grouped) when the journal recorded the
    limits per phase."""
    if any(key in limits for key in LIMITS):
        return _one(limits, name) or "–"
    grouped: dict[str, list[str]] = {}
    for phase, phase_limits in limits.items():
        if isinstance(phase_limits, dict):
            grouped.setdefault(_one(phase_limits, name) or "–", []).append(phase)
    if len(grouped) == 1:
        return next(iter(grouped))
    return "; ".join(f"{', '.join(phases)}: {text}" for text, phases in grouped.items())


def promise_rows(evidence: dict[str, Any]) -> list[PromiseRow]:
    rows = []
    for service, promised in sorted((evidence.get("promises") or {}).items()):
        for endpoint in promised.get("endpoints") or []:
            limits = endpoint.get("limits") or {}
            rows.append(
                PromiseRow(
                    service=service,
                    endpoint=str(endpoint.get("endpoint", "?")),
                    promised_in=str(endpoint.get("promised_in", "?")),
                    latency_p99=_limit_text(limits, "latency_p99_ms"),
                    availability=_limit_text(limits, "availability"),
                )
            )
    return rows


NOTE = (
    "Merged once from the scenario, system.yaml and each service's /promise (the more specific "
    "wins); every check judged these."
)


def promises_markdown(evidence: dict[str, Any]) -> list[str]:
    """`summary.md`'s table of the promises judged; no lines for a journal without them."""
    rows = promise_rows(evidence)
    if not rows:
        return []
    lines = [
        f"Promises judged. {NOTE}",
        "",
        "| service | endpoint | p99 | availability | endpoint promised in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = (r.service, r.endpoint, r.latency_p99, r.availability, r.promised_in)
        # a pipe would end the table cell
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def promises_html(evidence: dict[str, Any]) -> str:
    """The report's "Promises judged" table (everything HTML-escaped); empty without them."""
    rows = promise_rows(evidence)
    if not rows:
        return ""
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(text)}</td>"
            for text in (r.service, r.endpoint, r.latency_p99, r.availability, r.promised_in)
        )
        + "</tr>"
        for r in rows
    )
    return (
        f"<h3>Promises judged</h3><p class='note'>{escape(NOTE)}</p><table><thead><tr>"
        "<th>service</th><th>endpoint</th><th>p99</th><th>availability</th>"
        f"<th>endpoint promised in</th></tr></thead><tbody>{body}</tbody></table>"
    )
