"""The report's "Game day" section: each step as hypothesis → what happened → verdict, and the
steps and notes on one timeline (inline SVG, so the report stays one self-contained file).
Everything from the journal is escaped: hypotheses and notes are typed by people."""

from __future__ import annotations

import time
from html import escape
from typing import Any

from harness.reports.journal import Journal

STYLE = """
.gd-verdict { font-weight: 700; }
.gd-verdict.contained { color: #2e7d32; } .gd-verdict.spread { color: #c62828; }
.gd-verdict.no-evidence, .gd-verdict.pending { color: #7b1fa2; }
.gd-hypothesis { font-style: italic; }
svg.gd-timeline { width: 100%; height: auto; border: 1px solid #eee; border-radius: 4px; }
"""
WIDTH, ROW_H, LEFT, RIGHT = 1000, 26, 140, 20


def _clock(journal: Journal, t: float) -> str:
    return f"+{t - journal.started_at:.0f} s ({time.strftime('%H:%M:%S', time.gmtime(t))} UTC)"


def _what_happened(step: dict[str, Any]) -> str:
    outcome = step.get("outcome") or {}
    ran = (
        f"ran {step['reverted_at'] - step['applied_at']:.1f} s"
        if step.get("reverted_at")
        else "ran to the end"
    )
    parts = [f"{escape(step.get('description') or step['type'])}; {ran}."]
    if outcome.get("spread_to"):
        parts.append(f"Spread to {escape(', '.join(outcome['spread_to']))}.")
    if outcome.get("held"):
        parts.append(f"Held by {escape(', '.join(outcome['held']))}.")
    if outcome.get("summary"):
        parts.append(f"<br><span class='note'>{escape(outcome['summary'])}</span>")
    return " ".join(parts)


def _steps_table(journal: Journal, steps: list[dict[str, Any]]) -> str:
    if not steps:
        return "<p class='note'>No fault was injected in this exercise.</p>"
    rows = []
    for step in steps:
        verdict = (step.get("outcome") or {}).get("verdict", "pending")
        rows.append(
            f"<tr class='gd-step' data-fault='{escape(step['name'])}'>"
            f"<td><code>{escape(step['name'])}</code><br>"
            f"<span class='note'>{_clock(journal, step['applied_at'])}</span></td>"
            f"<td class='gd-hypothesis'>{escape(step.get('hypothesis', ''))}</td>"
            f"<td>{_what_happened(step)}</td>"
            f"<td class='gd-verdict {escape(verdict.replace(' ', '-'))}'>{escape(verdict)}</td>"
            "</tr>"
        )
    return (
        "<table><tr><th>step</th><th>hypothesis</th><th>what happened</th>"
        "<th>verdict</th></tr>" + "".join(rows) + "</table>"
    )


def _notes_list(journal: Journal, notes: list[dict[str, Any]]) -> str:
    if not notes:
        return "<p class='note'>No notes were taken.</p>"
    items = "".join(
        f"<li class='gd-note'>{_clock(journal, n['t'])}: {escape(n['text'])}"
        + (
            f" <span class='note'>(during {escape(', '.join(n['active_faults']))})</span>"
            if n.get("active_faults")
            else ""
        )
        + "</li>"
        for n in notes
    )
    return f"<ul>{items}</ul>"


def _timeline_svg(journal: Journal, steps: list[dict[str, Any]], notes: list[dict]) -> str:
    start, end = journal.started_at, max(journal.ended_at, journal.started_at + 1)

    def x(t: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (min(max(t, start), end) - start) / (end - start)

    height = ROW_H * (len(steps) + 2) + 20
    shapes = []
    for row, step in enumerate(steps):
        y = 10 + row * ROW_H
        x0, x1 = x(step["applied_at"]), x(step.get("reverted_at") or end)
        verdict = (step.get("outcome") or {}).get("verdict", "pending")
        colour = {"contained": "#4caf50", "spread": "#e53935"}.get(verdict, "#9c27b0")
        shapes.append(
            f"<text x='4' y='{y + 15}' font-size='12'>{escape(step['name'])}</text>"
            f"<rect x='{x0:.1f}' y='{y}' width='{max(2.0, x1 - x0):.1f}' height='{ROW_H - 6}' "
            f"fill='{colour}' opacity='0.75'><title>{escape(step.get('hypothesis', ''))}"
            f" — {escape(verdict)}</title></rect>"
        )
    notes_y = 10 + len(steps) * ROW_H
    shapes.append(f"<text x='4' y='{notes_y + 15}' font-size='12'>notes</text>")
    for note in notes:
        nx = x(note["t"])
        shapes.append(
            f"<g class='gd-note-mark'><line x1='{nx:.1f}' x2='{nx:.1f}' y1='4' "
            f"y2='{notes_y + 18}' stroke='#1565c0' stroke-dasharray='3 3'/>"
            f"<circle cx='{nx:.1f}' cy='{notes_y + 12}' r='6' fill='#1565c0'>"
            f"<title>{escape(note['text'])}</title></circle></g>"
        )
    axis_y = notes_y + ROW_H + 6
    ticks = "".join(
        f"<text x='{x(start + f * (end - start)):.1f}' y='{axis_y}' font-size='11' "
        f"text-anchor='middle'>+{f * (end - start):.0f} s</text>"
        for f in (0, 0.25, 0.5, 0.75, 1)
    )
    return (
        f"<svg class='gd-timeline' viewBox='0 0 {WIDTH} {height}' role='img' "
        f"aria-label='steps and notes over time'>{''.join(shapes)}{ticks}</svg>"
    )


def gameday_section(journal: Journal) -> str:
    """The section, or nothing for a scenario run."""
    record = journal.gameday
    if not record:
        return ""
    steps, notes = record.get("steps", []), record.get("notes", [])
    return f"""<style>{STYLE}</style>
<h2 id="gameday">Game day</h2>
<p class="note">Ended: {escape(str(record.get("ended_by") or "?"))}. Replay it as a scenario:
<code>firebreak gameday --replay journal.json</code> (its scenario is
<code>{escape(str(record.get("scenario", "")))}</code> beside this report).</p>
<h3>Steps: hypothesis → what happened → verdict</h3>
{_steps_table(journal, steps)}
<h3>Timeline</h3>
{_timeline_svg(journal, steps, notes)}
<h3>Notes</h3>
{_notes_list(journal, notes)}"""
