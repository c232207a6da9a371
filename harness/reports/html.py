"""`report.html`: one self-contained file, readable offline and as a CI artifact.

Plots are embedded as base64 PNG and the stylesheet is inline: no network, no external CSS or
JavaScript, so the file opens the same from a laptop, a CI artifact or an email attachment.
Everything that comes from the journal is HTML-escaped, since scenario text and check names are
written by users.
"""

from __future__ import annotations

import base64
import time
from html import escape
from pathlib import Path

from harness.checks.base import CheckResult
from harness.reports.evidence_html import evidence_section
from harness.reports.gameday_html import gameday_section
from harness.reports.journal import Journal
from harness.reports.request_paths_html import request_paths_section
from harness.reports.summary import (
    numbers_lines,
    phase_figures,
    recovery_times_s,
    spread_services,
    verdict_sentence,
)
from harness.reports.sweep_html import sweep_section

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
  margin: 0 auto; max-width: 1340px; padding: 24px 32px 64px; background: #ffffff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
.meta { color: #666; font-size: 13px; }
.verdict { font-size: 18px; padding: 14px 18px; border-radius: 8px; margin: 18px 0;
  border-left: 8px solid; }
.verdict.passed { background: #edf7ed; border-color: #2e7d32; }
.verdict.failed, .verdict.aborted { background: #fdecea; border-color: #c62828; }
.verdict.error { background: #fff4e5; border-color: #ef6c00; }
.verdict.inconclusive { background: #f3e5f5; border-color: #7b1fa2; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff;
  font-weight: 600; font-size: 13px; text-transform: uppercase; vertical-align: middle; }
.badge.passed { background: #2e7d32; } .badge.failed, .badge.aborted { background: #c62828; }
.badge.error { background: #ef6c00; } .badge.inconclusive { background: #7b1fa2; }
h3 { font-size: 16px; margin: 22px 0 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #ececec;
  vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.pass td.result { color: #2e7d32; font-weight: 600; }
tr.set-aside td { color: #666; }
tr.fail td { background: #fdecea; } tr.fail td.result { color: #c62828; font-weight: 700; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
img.plot { width: 100%; height: auto; border: 1px solid #eee; border-radius: 4px; }
pre { background: #f6f8fa; padding: 14px; border-radius: 6px; overflow-x: auto;
  white-space: pre-wrap;
  font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
.note { color: #555; font-size: 13px; }
"""

PLOT_SECTIONS = [  # (plot name, heading, what it shows)
    (
        "timeline",
        "Front door",
        "Requests/s, error rate, degraded answers and latency percentiles as the load saw "
        "them. Shaded: fault windows. Vertical lines: instances killed and restarted.",
    ),
    (
        "arms",
        "Front door by arm, side by side",
        "A split run: the experiment arm's answers (left, the replicas the fault reached) and "
        "the control arm's (right, untouched) in the same seconds under the same load, as the "
        "front door's balancer attributed them. The fault's effect is the difference.",
    ),
    (
        "arm_service",
        "The divided service by arm, side by side",
        "A split run: the divided service's own metrics, from its experiment replicas (left) "
        "and its control replicas (right): requests and errors, and for each faulted "
        "dependency its calls, attempts (retries included) and fallbacks a second; shaded: "
        "the seconds that arm's breaker on it was open.",
    ),
    (
        "services",
        "Services",
        "Each service's own indicators, summed over its instances, on the same time axis.",
    ),
    (
        "propagation",
        "Where the failure went",
        "The dependency graph once per fault: where it was injected, where it spread, and "
        "where a timeout, breaker or fallback held it.",
    ),
    (
        "breakers",
        "Circuit breakers",
        "Each caller's breaker on each dependency, second by second.",
    ),
]


NUMBERS_SHOWN = 5


def _numbers_cell(numbers: dict[str, object]) -> str:
    """One number a line; beyond a few, the rest folds away (a <details>, no JavaScript)."""
    lines = [f"<code>{escape(line)}</code>" for line in numbers_lines(numbers)]
    if len(lines) <= NUMBERS_SHOWN + 1:
        return "<br>".join(lines)
    shown, folded = lines[:NUMBERS_SHOWN], lines[NUMBERS_SHOWN:]
    return (
        "<br>".join(shown)
        + f"<details><summary>{len(folded)} more</summary>{'<br>'.join(folded)}</details>"
    )


def _judged_from(check: CheckResult) -> str:
    if not check.judged_from:
        return ""
    return f'<br><span class="note">judged from: {escape(check.judged_from)}</span>'


def _checks_table(journal: Journal) -> str:
    rows = []
    for check in journal.checks:
        status = "set aside" if check.set_aside else "pass" if check.passed else "fail"
        aside = (
            f'<br><span class="note">set aside: {escape(check.set_aside)}</span>'
            if check.set_aside
            else ""
        )
        rows.append(
            f'<tr class="{status.replace(" ", "-")}"><td>{escape(check.name)}</td>'
            f'<td>{escape(check.kind)}</td><td class="result">{status.upper()}</td>'
            f"<td>{escape(check.summary)}{_judged_from(check)}{aside}</td>"
            f"<td>{_numbers_cell(check.numbers)}</td>"
            f"<td>{_numbers_cell(check.tolerance)}</td></tr>"
        )
    if not rows:
        return '<p class="note">No checks ran.</p>'
    return (
        "<table><thead><tr><th>check</th><th>kind</th><th>result</th><th>what happened</th>"
        "<th>numbers</th><th>tolerance</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _milliseconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _phases_table(journal: Journal) -> str:
    rows = "".join(
        f"<tr><td>{escape(f.phase)}</td><td class='num'>{f.duration_s:.0f}</td>"
        f"<td class='num'>{f.requests_per_s:.1f}</td><td class='num'>{f.error_rate:.2%}</td>"
        f"<td class='num'>{f.degraded_rate:.2%}</td><td class='num'>{_milliseconds(f.p50_ms)}</td>"
        f"<td class='num'>{_milliseconds(f.p95_ms)}</td>"
        f"<td class='num'>{_milliseconds(f.p99_ms)}</td></tr>"
        for f in phase_figures(journal)
    )
    return (
        "<table><thead><tr><th>phase</th><th>seconds</th><th>requests/s</th><th>error rate</th>"
        "<th>degraded</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _faults_table(journal: Journal) -> str:
    start = journal.started_at
    rows = "".join(
        f"<tr><td>{escape(w.name)}</td><td>{escape(w.fault_type)}</td>"
        f"<td>{escape(', '.join(w.targets))}</td><td>{escape(w.description)}</td>"
        f"<td class='num'>{w.applied_at - start:.1f}</td>"
        f"<td class='num'>{'–' if w.reverted_at is None else f'{w.reverted_at - start:.1f}'}</td>"
        "</tr>"
        for w in journal.observations.faults
    )
    if not rows:
        return '<p class="note">No faults were injected.</p>'
    return (
        "<table><thead><tr><th>fault</th><th>type</th><th>targets</th><th>description</th>"
        "<th>applied at s</th><th>reverted at s</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _recovery_section(journal: Journal) -> str:
    recoveries = recovery_times_s(journal)
    spread = spread_services(journal)
    radius = (
        f"The failure spread to {len(spread)} service(s): {escape(', '.join(spread))}."
        if spread
        else "The failure spread to no service beyond where it was injected."
    )
    if not recoveries:
        return f'<p class="note">No recovery checks ran. {radius}</p>'
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td class='num'>{seconds:.1f}</td></tr>"
        for name, seconds in recoveries.items()
    )
    # a replaced kill: how long the platform ran one replica short, beside the front door's time
    for check in journal.checks:
        for fault, seconds in (check.numbers.get("capacity_restored_s") or {}).items():
            shown = "not ready by the end" if seconds is None else f"{seconds:.1f}"
            rows += (
                f"<tr><td>replacement ready after kill {escape(fault)}</td>"
                f"<td class='num'>{shown}</td></tr>"
            )
    return (
        "<table><thead><tr><th>recovery check</th><th>recovery s</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><p>{radius}</p>"
    )


def _plot_sections(plots: dict[str, bytes]) -> str:
    parts = []
    for name, heading, caption in PLOT_SECTIONS:
        png = plots.get(name)
        if png is None:
            continue
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<h2 id="{name}">{escape(heading)}</h2><p class="note">{escape(caption)}</p>'
            f'<img class="plot" alt="{escape(heading)}" src="data:image/png;base64,{data}">'
        )
    return "".join(parts)


def _versions(journal: Journal) -> str:
    names = {"firebreak": "Firebreak", "toxiproxy": "Toxiproxy", "locust": "Locust"}
    names["python"] = "Python"
    return " · ".join(
        f"{label} {escape(str(journal.versions[key]))}"
        for key, label in names.items()
        if key in journal.versions
    )


def _checks_and_recovery(journal: Journal) -> str:
    """A run's checks, evidence and blast radius; a sweep has its map instead (its cells are
    its checks, each with its own reach)."""
    if journal.sweep:
        return evidence_section(journal)
    return (
        f'<h2 id="checks">Checks</h2>{_checks_table(journal)}{evidence_section(journal)}'
        f'<h2 id="recovery">Recovery and blast radius</h2>{_recovery_section(journal)}'
        + request_paths_section(journal)
    )


def render_html(journal: Journal, plots: dict[str, bytes]) -> str:
    """The whole report as one HTML document; `plots` are PNG bytes from `render_plots`."""
    known = ("passed", "failed", "aborted", "inconclusive")
    outcome = journal.outcome if journal.outcome in known else "error"
    scenario = journal.scenario
    name = str(scenario.get("name") or journal.run_id)
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(journal.started_at))
    duration_s = journal.ended_at - journal.started_at
    description = scenario.get("description") or ""
    yaml_text = scenario.get("yaml") or "(the journal holds no scenario text)"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Firebreak: {escape(name)} — {escape(journal.outcome)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{escape(name)} <span class="badge {outcome}">{escape(journal.outcome)}</span></h1>
<div class="meta">run <code>{escape(journal.run_id)}</code> · started {started} ·
{duration_s:.0f} s · platform {escape(journal.platform)} · seed {journal.seed} ·
time scale {journal.time_scale:g} · system {escape(str(journal.system.get("name", "")))}</div>
<p class="meta">{escape(str(description))}</p>
<div class="verdict {outcome}" id="verdict">{escape(verdict_sentence(journal))}</div>
{gameday_section(journal)}{sweep_section(journal)}
{_checks_and_recovery(journal)}
<h2 id="phases">Front door per phase</h2>
{_phases_table(journal)}
<h2 id="faults">Faults</h2>
{_faults_table(journal)}
{_plot_sections(plots)}
<h2 id="scenario">Scenario</h2>
<p class="note">{escape(str(scenario.get("path", "")))}</p>
<pre>{escape(str(yaml_text))}</pre>
<p class="meta">{_versions(journal)}</p>
</body></html>
"""


def write_html(journal: Journal, plots: dict[str, bytes], path: Path) -> Path:
    path.write_text(render_html(journal, plots), encoding="utf-8")
    return path
