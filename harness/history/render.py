"""The history page: self-contained HTML (inline CSS, the plots as a base64 PNG, nothing
fetched): what regressed at the newest revision, where checks turned red and green, per
scenario the outcome grid and figures over revisions, and the sweeps' maps diffed cell by cell."""

from __future__ import annotations

import base64
import time
from html import escape
from itertools import pairwise

from harness.history.model import FAILED, FLIPPED, INCONCLUSIVE, OUTCOME_ROW, PASSED, History
from harness.history.regressions import AVAILABILITY, P99, Regression, Thresholds, Turn, sweep_diff
from harness.sweep.render import COLOURS as VERDICT_COLOURS

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 18px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th.rev { font-family: monospace; font-weight: normal; writing-mode: vertical-rl;
  transform: rotate(180deg); white-space: nowrap; }
td.s { text-align: center; white-space: nowrap; }
.passed { background: #c7ecd9; } .failed, .aborted { background: #f6c2a8; }
.inconclusive { background: #e4e4e4; } .flipped { background: #ffe08a; }
.none { color: #aaa; text-align: center; }
.reg { outline: 3px solid #c00; outline-offset: -3px; font-weight: bold; }
.banner { padding: 10px 14px; border-radius: 6px; font-size: 15px; margin: 10px 0; }
.bad { background: #fbe0d4; border: 1px solid #d55e00; }
.good { background: #dcf2e6; border: 1px solid #009e73; }
code, .mono { font-family: monospace; }
img.plot { max-width: 100%; border: 1px solid #ddd; }
"""
SYMBOL = {PASSED: "✓", FAILED: "✗", "aborted": "✗", INCONCLUSIVE: "?", FLIPPED: "~"}


def _rev_header(history: History) -> str:
    return "".join(
        f'<th class="rev" title="{escape(r.title)}">{escape(r.label)}</th>'
        for r in history.revisions
    )


def _banner(history: History, newest: list[Regression], thresholds: Thresholds) -> str:
    label = escape(history.newest.label)
    if newest:
        return (
            f'<div class="banner bad"><b>{len(newest)} regression(s) at the newest revision '
            f"<code>{label}</code></b> (a check that passed before fails, p99 worse by more than "
            f"{thresholds.p99_pct:g}%, availability lower by more than "
            f"{thresholds.availability:.2%}, or a sweep cell worse).</div>"
        )
    return (
        f'<div class="banner good">No regression at the newest revision <code>{label}</code> '
        f"(p99 within +{thresholds.p99_pct:g}%, availability within "
        f"−{thresholds.availability:.2%}).</div>"
    )


def _label(history: History, key: str) -> str:
    revision = next(r for r in history.revisions if r.key == key)
    return f'<code title="{escape(revision.title)}">{escape(revision.label)}</code>'


def _regressions_table(history: History, found: list[Regression]) -> str:
    if not found:
        return "<p>No regression between any two revisions.</p>"
    rows = "".join(
        f"<tr><td>{_label(history, r.revision)}</td><td>{_label(history, r.previous)}</td>"
        f"<td>{escape(r.scenario)}</td><td>{escape(r.what)}</td><td>{escape(r.was)}</td>"
        f'<td class="reg">{escape(r.now)}</td></tr>'
        for r in reversed(found)
    )
    return (
        "<table><tr><th>at</th><th>against</th><th>scenario</th><th>what</th><th>was</th>"
        f"<th>now</th></tr>{rows}</table>"
    )


def _turns_list(history: History, turns: list[Turn]) -> str:
    if not turns:
        return "<p>No check turned red at any revision.</p>"
    items = "".join(
        f"<li>{escape(t.scenario)}: <b>{escape(t.check)}</b> "
        f"{'turned red' if t.red else 'back to green'} at {_label(history, t.revision)}</li>"
        for t in turns
    )
    return f"<ul>{items}</ul>"


def _number(value: float | None, form: str) -> str:
    return "–" if value is None else form.format(value)


def _scenario_table(history: History, scenario: str, found: list[Regression]) -> str:
    columns = history.scenarios[scenario]
    marked = {(r.what, r.revision) for r in found if r.scenario == scenario}
    rows = []
    for check in history.checks[scenario]:
        cells = []
        for revision in history.revisions:
            column = columns.get(revision.key)
            state = column.checks.get(check) if column else None
            if state is None:
                cells.append('<td class="none">·</td>')
                continue
            mark = " reg" if (check, revision.key) in marked else ""
            title = f"{check} at {revision.label}: {state}" + (" (regression)" if mark else "")
            cells.append(
                f'<td class="s {escape(state)}{mark}" title="{escape(title)}">'
                f"{SYMBOL.get(state, state)}</td>"
            )
        name = f"<b>{escape(check)}</b>" if check == OUTCOME_ROW else escape(check)
        rows.append(f"<tr><td>{name}</td>{''.join(cells)}</tr>")
    figures = [
        (P99, lambda c: _number(c.p99_ms, "{:.0f} ms")),
        (AVAILABILITY, lambda c: _number(c.availability, "{:.2%}")),
        ("recovery (longest)", lambda c: _number(c.recovery_s, "{:.1f} s")),
        ("amplification (worst ratio)", lambda c: _number(c.amplification, "×{:.2f}")),
        ("flip rate (repeated runs)", lambda c: _number(c.flip_rate, "{:.0%}")),
        ("runs", lambda c: str(len(c.runs))),
    ]  # fmt: skip
    for what, text_of in figures:
        cells = []
        for revision in history.revisions:
            column = columns.get(revision.key)
            if column is None:
                cells.append('<td class="none">·</td>')
                continue
            mark = ' class="s reg" title="regression"' if (what, revision.key) in marked else ""
            cells.append(f"<td{mark or ' class=s'}>{escape(text_of(column))}</td>")
        rows.append(f"<tr><td><i>{escape(what)}</i></td>{''.join(cells)}</tr>")
    return f"<table><tr><th>check</th>{_rev_header(history)}</tr>{''.join(rows)}</table>"


def _verdict_cell(verdict: str, mark: bool = False) -> str:
    if not verdict:
        return '<td class="none">not judged</td>'
    colour = VERDICT_COLOURS.get(verdict, "#fff")
    style = f"background:{colour}33;border-left:6px solid {colour}"
    return f'<td class="s{" reg" if mark else ""}" style="{style}">{escape(verdict)}</td>'


def _sweeps_section(history: History, found: list[Regression]) -> str:
    revisions = history.sweep_revisions()
    if not revisions:
        return ""
    cells = list(dict.fromkeys(c for r in revisions for c in history.sweeps[r.key].cells))
    marked = {(r.what, r.revision) for r in found if r.scenario == "sweep"}
    header = "".join(
        f'<th class="rev" title="{escape(r.title)}">{escape(r.label)}</th>' for r in revisions
    )
    grid = "".join(
        f"<tr><td>{escape(cell)}</td>"
        + "".join(
            _verdict_cell(history.sweeps[r.key].cells.get(cell, ""), (cell, r.key) in marked)
            for r in revisions
        )
        + "</tr>"
        for cell in cells
    )
    diffs = []
    for before, after in pairwise(revisions):
        changed = sweep_diff(history, before.key, after.key)
        heading = f"{_label(history, before.key)} → {_label(history, after.key)}"
        if not changed:
            diffs.append(f"<h3>{heading}</h3><p>Every cell the same.</p>")
            continue
        rows = "".join(
            f"<tr><td>{escape(cell)}</td>{_verdict_cell(was)}"
            f"{_verdict_cell(now, (cell, after.key) in marked)}</tr>"
            for cell, was, now in changed
        )
        same = len(set(history.sweeps[after.key].cells)) - len(changed)
        diffs.append(
            f"<h3>{heading}</h3><table><tr><th>cell</th><th>before</th><th>after</th></tr>"
            f"{rows}</table><p>{max(same, 0)} other cell(s) unchanged.</p>"
        )
    return (
        "<h2>Sweeps: the resilience map over revisions</h2>"
        f"<table><tr><th>cell</th>{header}</tr>{grid}</table>"
        "<h2>Sweeps diffed cell by cell</h2>" + "".join(diffs)
    )


def render_history_html(
    history: History,
    found: list[Regression],
    newest: list[Regression],
    turns: list[Turn],
    thresholds: Thresholds,
    png: bytes,
) -> str:
    runs = sum(len(c.runs) for columns in history.scenarios.values() for c in columns.values())
    scenarios = "".join(
        f"<h3>{escape(name)}</h3>{_scenario_table(history, name, found)}"
        for name in history.scenarios
    )
    image = base64.b64encode(png).decode("ascii")
    legend = " · ".join(f"{s} {name}" for name, s in SYMBOL.items() if name != "aborted")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Resilience history: {escape(history.system)}</title><style>{STYLE}</style></head>
<body>
<h1>Resilience history of <code>{escape(history.system)}</code></h1>
<p>{len(history.revisions)} revision(s), oldest first by commit time, then by when each ran;
{runs} scenario run(s), {len(history.sweeps)} sweep(s). <code>+dirty</code>: uncommitted changes
in the system's folder. Written {time.strftime("%Y-%m-%d %H:%M:%S %Z")}.</p>
{_banner(history, newest, thresholds)}
<h2>Regressions</h2>{_regressions_table(history, found)}
<h2>Where checks turned red, and back to green</h2>{_turns_list(history, turns)}
<h2>Scenarios: outcome of each check over revisions</h2>
<p>{escape(legend)}; a cell outlined in red is a regression; · not run.</p>
{scenarios or "<p>No scenario runs.</p>"}
<h2>Figures over revisions</h2>
<p>Dots coloured by the run's outcome; a red ring marks a regression.</p>
<img class="plot" alt="figures over revisions" src="data:image/png;base64,{image}">
{_sweeps_section(history, found)}
</body></html>
"""
