"""`firebreak compare`: what got worse, exit 1 beyond the bound, exit 2 for bad input."""

from __future__ import annotations

import pytest

from harness.cli.main import main
from harness.errors import InputError
from harness.reports.compare import compare_journals, parse_fraction
from tests.fixtures.journals.make_journal import make_journal
from tests.reports.conftest import JOURNALS

PASSED, FAILED = str(JOURNALS / "passed.json"), str(JOURNALS / "failed.json")


def test_the_failed_run_regresses_p99_errors_and_blast_radius(passed_journal, failed_journal):
    comparison = compare_journals(passed_journal, failed_journal, 0.10)
    worse = {c.metric for c in comparison.regressions}
    assert worse == {
        "faults p99 ms",
        "faults error rate",
        "blast radius (services spread to)",
    }


def test_a_run_against_itself_has_no_regression(passed_journal):
    assert compare_journals(passed_journal, passed_journal, 0.0).regressions == []


def test_the_bound_decides(passed_journal):
    slower = make_journal("passed")
    slower.checks[4].numbers["recovery_s"] = 4.2 * 1.3
    assert [c.metric for c in compare_journals(passed_journal, slower, 0.1).regressions] == [
        "longest recovery s"
    ]
    assert compare_journals(passed_journal, slower, 0.5).regressions == []


def test_improvements_are_not_regressions_but_more_degraded_answers_are(
    passed_journal, failed_journal
):
    # the fix (a breaker that opens) lowers p99 and errors but answers degraded more often;
    # compare shows that trade-off rather than hiding it
    worse = compare_journals(failed_journal, passed_journal, 0.1).regressions
    assert [c.metric for c in worse] == ["faults degraded rate"]


def test_compared_metrics_cover_both_phases_recovery_and_blast_radius(passed_journal):
    metrics = [c.metric for c in compare_journals(passed_journal, passed_journal, 0.1).changes]
    for phase in ("baseline", "faults"):
        for what in ("p99 ms", "error rate", "degraded rate"):
            assert f"{phase} {what}" in metrics
    assert "longest recovery s" in metrics and "blast radius (services spread to)" in metrics


@pytest.mark.parametrize(("text", "share"), [("10%", 0.1), ("0.25", 0.25), (" 5% ", 0.05)])
def test_max_regression_reads_percentages_and_fractions(text, share):
    assert parse_fraction(text) == pytest.approx(share)


def test_max_regression_that_is_not_a_number_is_bad_input():
    with pytest.raises(InputError):
        parse_fraction("ten percent")


def test_command_exits_1_on_regression_and_0_without(capsys):
    assert main(["compare", PASSED, FAILED]) == 1
    out = capsys.readouterr().out
    assert "WORSE" in out and "faults p99 ms" in out
    assert main(["compare", PASSED, PASSED, "--max-regression", "0%"]) == 0
    assert main(["compare", FAILED, PASSED, "--max-regression", "300%"]) == 0


def test_command_exits_2_on_bad_files_and_bounds(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2")
    assert main(["compare", PASSED, str(broken)]) == 2
    assert main(["compare", str(tmp_path / "missing.json"), PASSED]) == 2
    assert main(["compare", PASSED, PASSED, "--max-regression", "lots"]) == 2
    assert "Traceback" not in capsys.readouterr().err
