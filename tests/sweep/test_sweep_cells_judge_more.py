"""A resilience map's cell judges what nobody asked for too (issue 21): it shows its retry
amplification and marks a cell whose retries went over their budget, whatever its verdict; and a
front door that answered a cut dependency with a success it did not promise has spread the
failure to its users."""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.sweep.render import cell_text, terminal_text
from harness.sweep.verdicts import SPREAD, cell_verdict


def amplification_check(ratio: float, within_budget: bool) -> CheckResult:
    figures = {"calls": 100, "attempts": int(ratio * 100), "ratio": ratio}
    return CheckResult(
        name="amplification cell",
        kind="amplification",
        passed=within_budget,
        summary="",
        numbers={"gateway->inventory": {**figures, "within_budget": within_budget}},
    )


def cell(*checks: CheckResult):
    propagation = [{"services": {"gateway": "held", "inventory": "injected"}}]
    return cell_verdict(
        "gateway->inventory × down",
        "gateway->inventory",
        "down",
        list(checks),
        propagation,
        "gateway",
        {},
    )


def test_a_cell_whose_retries_went_over_budget_is_marked_with_its_worst_ratio():
    storm = cell(amplification_check(6.0, within_budget=False))
    assert storm.numbers["amplification"] == {
        "ratios": {"gateway->inventory": 6.0},
        "worst": 6.0,
        "over_budget": True,
    }
    assert cell_text(storm, False).endswith(" ×6.0!")
    assert terminal_text(storm, False).endswith(" ×6.0!")
    calm = cell(amplification_check(1.1, within_budget=True))
    assert calm.verdict == storm.verdict  # the mark says more than the verdict, not instead
    assert "!" not in cell_text(calm, False)
    assert calm.numbers["amplification"]["worst"] == 1.1


def test_a_cell_with_no_amplification_check_has_no_ratio():
    quiet = cell()
    assert quiet.numbers["amplification"] == {"ratios": {}, "worst": None, "over_budget": False}
    assert cell_text(quiet, False) == "degraded"  # the front door held it: no mark


def test_a_success_where_a_failure_answer_was_promised_spreads_to_the_front_door():
    wrong = CheckResult(
        name="failure answer gateway->catalog GET /products/{id}",
        kind="failure_answer",
        passed=False,
        summary="answered 200 where 503 was promised: 101 of 101",
    )
    result = cell(wrong)
    assert result.verdict == SPREAD
    assert result.reach == ["gateway"]
    assert "broken: failure answer gateway->catalog" in result.summary
