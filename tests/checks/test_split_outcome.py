"""A split run's outcome (checks/split_outcome.py): on a busy machine the time-based checks are
set aside and the arms' difference decides; on a quiet one everything counts but an undecided
difference. And what the reports make of a set-aside check."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from harness.checks.base import CheckResult
from harness.checks.split_outcome import mark_split_checks, split_run_outcome
from harness.cli import console
from harness.reports.junit import build_junit
from harness.reports.summary import verdict_sentence
from tests.fixtures.journals.make_journal import make_journal

BUSY = ["other workloads used 1.90 cores on average (at most 0.5 keeps a verdict trustworthy)"]


def _check(name: str, kind: str, passed: bool, verdict: str | None = None) -> CheckResult:
    numbers = {"verdict": verdict} if verdict else {}
    return CheckResult(name, kind, passed, f"{name} said so.", numbers)


def _promise(passed: bool) -> CheckResult:
    return _check("promise gateway (faults)", "promise", passed)


def _split(verdict: str) -> CheckResult:
    return _check("split front door failures", "split", verdict == "within", verdict)


def _outcome(checks: list[CheckResult], busy: list[str]) -> tuple[str, list[CheckResult]]:
    marked = mark_split_checks(checks, busy)
    return split_run_outcome(marked, aborted=False, error=False), marked


@pytest.mark.parametrize(
    ("promise_passed", "split_verdict", "busy", "expected"),
    [
        # a busy machine broke the time-based promise; the arms, in the same seconds, agree
        (False, "within", BUSY, "passed"),
        (True, "worse", BUSY, "failed"),
        (False, "undecided", BUSY, "inconclusive"),
        (True, "undecided", BUSY, "inconclusive"),
        # quiet: the time-based checks count, and an undecided difference does not
        (True, "undecided", [], "passed"),
        (False, "undecided", [], "failed"),
        (False, "within", [], "failed"),
        (True, "worse", [], "failed"),
        (True, "within", [], "passed"),
    ],
)
def test_what_counts_on_a_busy_and_a_quiet_machine(promise_passed, split_verdict, busy, expected):
    outcome, marked = _outcome([_promise(promise_passed), _split(split_verdict)], busy)
    assert outcome == expected
    promise, split = marked
    assert bool(promise.set_aside) == bool(busy)
    assert bool(split.set_aside) == (not busy and split_verdict == "undecided")


def test_a_busy_machine_does_not_set_aside_what_counts_events():
    lost = _check("integrity orders", "integrity", False)
    touched = _check("fault touched slow-recommendations", "touched", True)
    outcome, marked = _outcome([lost, touched, _split("within")], BUSY)
    assert outcome == "failed"  # lost data is lost on any machine
    assert not any(c.set_aside for c in marked)


def test_a_plain_runs_checks_are_left_as_they_are():
    checks = [_promise(False)]
    assert mark_split_checks(checks, BUSY) == checks
    assert "set_aside" not in checks[0].to_json()  # a plain journal is as it was


def test_a_set_aside_failure_is_skipped_in_junit_and_named_in_the_verdict():
    _, marked = _outcome([_promise(False), _split("within")], BUSY)
    journal = replace(
        make_journal("passed"),
        checks=marked,
        evidence={"split": {"plan": "split run", "arms_unlike": None}},
    )
    suite = build_junit(journal).find("testsuite")
    assert suite.get("failures") == "0" and suite.get("skipped") == "1"
    skipped = [c for c in suite.iter("testcase") if c.find("skipped") is not None]
    assert [c.get("name") for c in skipped] == ["promise gateway (faults)"]
    assert "machine was busy" in skipped[0].find("skipped").get("message")
    sentence = verdict_sentence(journal)
    assert sentence.startswith("Compared with a control arm under the same load")
    assert "1 time-based check was set aside" in sentence
    ET.tostring(build_junit(journal))  # and it serialises


def test_an_inconclusive_split_run_names_the_undecided_difference():
    _, marked = _outcome([_promise(True), _split("undecided")], BUSY)
    journal = replace(
        make_journal("passed"),
        outcome="inconclusive",
        checks=marked,
        evidence={"split": {"plan": "split run", "arms_unlike": None}},
    )
    sentence = verdict_sentence(journal)
    assert "`split front door failures` stayed undecided" in sentence
    assert "Run the faults longer" in sentence


def test_arms_unlike_at_baseline_say_so():
    journal = replace(
        make_journal("passed"),
        outcome="inconclusive",
        evidence={"split": {"plan": "p", "arms_unlike": "before the faults the control failed"}},
    )
    assert verdict_sentence(journal).startswith("No verdict: before the faults the control")


def test_the_terminal_table_says_set_aside_not_fail():
    slow = replace(
        CheckResult("split front door slow answers", "split", False, "0.0% of 36 …"),
        set_aside="too few answers to tell a difference from none",
    )
    broken = CheckResult("containment x", "containment", False, "spread to quotes")
    with console.out.capture() as captured:
        console.checks_table([slow, broken])
    rows = captured.get()
    words = " ".join(w for w in rows.split() if w not in "│┃")  # the columns wrap
    assert "set aside" in rows and "too few answers to tell" in words
    assert rows.count("FAIL") == 1
