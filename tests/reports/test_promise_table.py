"""The reports say which promise was judged and where each limit was written; a journal from
before the promise view (the fixtures on disk) still renders, without that table."""

from __future__ import annotations

from harness.checks.promise_view import resolve_promises
from harness.observe.series import Observations, PhaseSpan
from harness.reports.html import render_html
from harness.reports.promise_rows import promise_rows
from harness.reports.summary import render_summary_markdown
from harness.scenario import PromiseOverride

PHASES = [PhaseSpan("baseline", 0, 10), PhaseSpan("faults", 10, 20), PhaseSpan("recovery", 20, 30)]
GATEWAY = {
    "endpoints": [
        {
            "method": "GET",
            "route": "/products/{id}",
            "latency_p99_ms": 500,
            "availability": 0.99,
            "source": "published at /promise",
        },
        {"method": "GET", "route": "/<script>", "availability": 0.9, "source": "system.yaml"},
    ],
    "problems": [],
}


def recorded_view() -> dict:
    obs = Observations(phases=PHASES, promises={"gateway": GATEWAY})
    scenario = {
        "gateway": PromiseOverride(latency_p99_ms=900, during=["faults"]),
        "orders": PromiseOverride(availability=0.95),
    }
    return resolve_promises(obs, scenario, "gateway").to_json()


def test_each_limit_is_shown_with_its_source_and_per_phase_where_they_differ():
    rows = {(r.service, r.endpoint): r for r in promise_rows({"promises": recorded_view()})}
    page = rows[("gateway", "GET /products/{id}")]
    assert page.latency_p99 == (
        "baseline, recovery: 500 ms (published at /promise); faults: 900 ms (scenario)"
    )
    assert page.availability == "99.00% (published at /promise)"
    assert page.promised_in == "published at /promise"
    orders = rows[("orders", "all routes")]
    assert (orders.latency_p99, orders.availability) == ("–", "95.00% (scenario)")
    assert orders.promised_in == "scenario"


def test_the_html_report_and_the_summary_show_the_promises_judged(passed_journal):
    passed_journal.evidence = {**passed_journal.evidence, "promises": recorded_view()}
    page = render_html(passed_journal, {})
    assert "<h3>Promises judged</h3>" in page
    assert "faults: 900 ms (scenario)" in page
    assert "/<script>" not in page and "GET /&lt;script&gt;" in page
    summary = render_summary_markdown(passed_journal)
    assert "| orders | all routes | – | 95.00% (scenario) | scenario |" in summary


def test_a_journal_from_before_the_view_renders_without_the_table(passed_journal, failed_journal):
    for journal in (passed_journal, failed_journal):
        assert "promises" not in journal.evidence
        assert "Promises judged" not in render_html(journal, {})
        summary = render_summary_markdown(journal)
        assert "Promises judged" not in summary and "| check | kind |" in summary
