"""`ChaosResult` on a recorded journal: what a test sees and what a failure says (no run)."""

from __future__ import annotations

import pytest

from harness.chaos_result import ChaosResult, format_numbers
from harness.reports.journal import read_journal
from harness.runner import RunResult
from tests.conftest import REPO_ROOT

JOURNALS = REPO_ROOT / "tests" / "fixtures" / "journals"


def result_from(journal_name: str, files: dict[str, str] | None = None) -> ChaosResult:
    path = JOURNALS / journal_name
    journal = read_journal(path)
    run_result = RunResult(
        outcome=journal.outcome,
        exit_code=journal.exit_code,
        run_dir=path.parent,
        journal_path=path,
        verdict=journal.verdict,
        checks=journal.checks,
        files=files or {"journal": "journal.json"},
    )
    return ChaosResult(journal.scenario["name"], run_result)


def test_assert_passed_lists_every_failed_check_with_its_numbers_and_tolerance():
    result = result_from("failed.json")
    assert not result.passed and result.outcome == "failed"

    with pytest.raises(AssertionError) as failure:
        result.assert_passed()

    message = str(failure.value)
    assert message.startswith("Scenario `recommendations-latency`: The gateway broke its promise")
    assert "2 of 7 checks failed:" in message
    assert "  - promise gateway GET /products/{id} (faults): " in message
    assert "numbers:   p99_ms=912.0, availability=0.941, requests=2000" in message
    assert "  - containment: " in message and "services_moved=1" in message
    assert "steady state (baseline)" not in message  # passed checks are not listed


def test_the_report_path_is_the_html_report_else_the_journal():
    without_html = result_from("failed.json")
    assert without_html.report_path == JOURNALS / "failed.json"
    with_html = result_from("failed.json", {"html": "report.html"})
    assert with_html.report_path == JOURNALS / "report.html"
    assert f"report: {with_html.report_path}" in with_html.failure_message()


def test_check_finds_a_check_by_name_and_names_the_others_when_missing():
    result = result_from("passed.json")
    assert result.passed
    result.assert_passed()
    first = result.checks[0]
    assert result.check(first.name) is first

    with pytest.raises(KeyError, match=r"has no check `no such check`; it has `"):
        result.check("no such check")


def test_numbers_are_one_line_with_nested_values_inline():
    line = format_numbers({"p99_ms": 912.123456, "by_phase": {"faults": [1, 2]}, "name": "a"})
    assert line == 'p99_ms=912.1235, by_phase={faults=[1, 2]}, name="a"'
