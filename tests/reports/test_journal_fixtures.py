"""The synthetic journals tell the story the reports are tested on, and stay in step on disk."""

from __future__ import annotations

import json

from harness.reports.journal import Journal, read_journal
from tests.fixtures.journals.make_journal import FAULTED_EDGE, make_journal
from tests.reports.conftest import JOURNALS


def test_fixture_files_are_what_the_generator_makes_today():
    for outcome in ("passed", "failed"):
        on_disk = json.loads((JOURNALS / f"{outcome}.json").read_text())
        fresh = json.loads(json.dumps(make_journal(outcome).to_json(), default=str))
        assert on_disk == fresh, "run `python -m tests.fixtures.journals.make_journal`"


def test_same_arguments_give_the_same_journal():
    assert make_journal("failed", seconds=30).to_json() == make_journal("failed", 30).to_json()


def test_a_journal_survives_writing_and_reading(tmp_path):
    journal = make_journal("failed")
    again = read_journal(journal.write(tmp_path / "journal.json"))
    assert isinstance(again, Journal)
    assert again.to_json() == json.loads(json.dumps(journal.to_json()))


def test_passed_run_opens_the_breaker_and_degrades_during_the_fault(passed_journal):
    observations = passed_journal.observations
    faults = observations.phase("faults")
    baseline = observations.phase("baseline")
    gateway = observations.services["gateway"]
    breaker = [p.dependencies["recommendations"].breaker_state for p in gateway]
    assert 2 in breaker and breaker[0] == 0
    during = [p.degraded for p in observations.front_door if faults.start <= p.t < faults.end]
    before = [p.degraded for p in observations.front_door if baseline.start <= p.t < baseline.end]
    assert sum(during) > 10 * max(sum(before), 1)
    assert observations.faults[0].targets == [FAULTED_EDGE]
    kinds = {(e.source, e.kind) for e in observations.events}
    assert {("platform", "killed"), ("platform", "restarted"), ("fault", "reverted")} <= kinds


def test_failed_run_has_a_failing_promise_with_numbers(failed_journal):
    failing = [c for c in failed_journal.checks if not c.passed]
    assert failing[0].kind == "promise"
    assert failing[0].numbers["p99_ms"] > failing[0].tolerance["latency_p99_ms"]
    gateway = failed_journal.observations.services["gateway"]
    assert all(p.dependencies["recommendations"].breaker_state == 0 for p in gateway)


def test_every_check_kind_is_present(passed_journal):
    kinds = {c.kind for c in passed_journal.checks}
    assert kinds == {"steady_state", "promise", "fallback", "containment", "recovery", "integrity"}
