"""The report's Game day section: each step's hypothesis, what happened and its verdict, the
notes on the timeline, all escaped (people type them); absent for a scenario run."""

from __future__ import annotations

from harness.reports.html import render_html


def _with_gameday(journal):
    start = journal.started_at
    journal.gameday = {
        "steps": [
            {
                "name": "latency-1",
                "type": "latency",
                "description": "latency (latency=1000) on gateway->recommendations",
                "hypothesis": "pages stay whole <script>alert(1)</script>",
                "applied_at": start + 20,
                "reverted_at": start + 30,
                "outcome": {
                    "verdict": "spread",
                    "summary": "The failure spread beyond the blast radius to `gateway`.",
                    "spread_to": ["gateway"],
                    "held": [],
                },
            }
        ],
        "notes": [{"t": start + 25, "text": "p99 & errors rose", "active_faults": ["latency-1"]}],
        "ended_by": "ended from the console",
        "scenario": "gameday-scenario.yaml",
    }
    return journal


def test_each_step_reads_hypothesis_then_what_happened_then_verdict(passed_journal):
    page = render_html(_with_gameday(passed_journal), {})
    section = page[page.index('id="gameday"') : page.index('id="checks"')]
    row = section[section.index("class='gd-step'") :]
    hypothesis_at = row.index("pages stay whole &lt;script&gt;")
    assert hypothesis_at < row.index("Spread to gateway") < row.index(">spread</td>")
    assert "<script>alert" not in page
    assert "p99 &amp; errors rose" in section and "(during latency-1)" in section
    # the note is drawn on the timeline too, as a mark with its text
    assert "<title>p99 &amp; errors rose</title>" in section
    assert "firebreak gameday --replay journal.json" in section


def test_a_scenario_run_has_no_game_day_section(passed_journal):
    assert 'id="gameday"' not in render_html(passed_journal, {})
