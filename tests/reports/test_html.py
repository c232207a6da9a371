"""report.html: self-contained, verdict first, every section, and user text escaped."""

from __future__ import annotations

import base64
import re
from html import escape

from harness.reports.html import render_html
from harness.reports.plots import render_plots
from harness.reports.summary import verdict_sentence

PNG_MAGIC = b"\x89PNG"


def test_report_is_self_contained_with_embedded_plots(passed_journal):
    page = render_html(passed_journal, render_plots(passed_journal))
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 4
    assert all(base64.b64decode(data).startswith(PNG_MAGIC) for data in images)
    # nothing to fetch: no external scripts, stylesheets, fonts or images
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page and "<link" not in page and "@import" not in page


def test_verdict_comes_before_the_checks_table(failed_journal):
    page = render_html(failed_journal, {})
    verdict_at = page.index('id="verdict"')
    assert verdict_at < page.index('id="checks"')
    assert "Failed: promise gateway GET /products/{id} (faults)" in page[verdict_at:]
    assert '<tr class="fail">' in page and '<tr class="pass">' in page


def test_scenario_yaml_is_at_the_end_and_escaped(passed_journal):
    passed_journal.scenario["yaml"] = "name: x\ndescription: <script>alert(1)</script> & more\n"
    page = render_html(passed_journal, {})
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert page.index('id="scenario"') > page.index('id="faults"')


def test_recovery_times_and_phases_are_listed(passed_journal):
    page = render_html(passed_journal, {})
    assert "recovery gateway after recs-latency" in page and ">4.2<" in page
    assert escape(verdict_sentence(passed_journal)) in page
    for phase in ("warmup", "baseline", "faults", "recovery"):
        assert f"<td>{phase}</td>" in page
