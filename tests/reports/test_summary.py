"""The verdict sentence and summary.md: the numbers people read first."""

from __future__ import annotations

from harness.reports.summary import (
    phase_figures,
    recovery_times_s,
    render_summary_markdown,
    spread_services,
    verdict_sentence,
    write_summary,
)
from tests.fixtures.journals.make_journal import make_journal


def test_passed_verdict_names_the_fault_the_promise_the_containment_and_recovery(passed_journal):
    sentence = verdict_sentence(passed_journal)
    assert sentence.startswith("800 ms latency on gateway->recommendations for 18 s")
    assert "the gateway kept its promise" in sentence
    assert "the failure stayed within" in sentence
    assert "recovery took 4.2 s" in sentence


def test_failed_verdict_names_the_failed_check_and_its_numbers_in_its_first_sentence(
    failed_journal,
):
    first_sentence = verdict_sentence(failed_journal).split(". ")[0]
    assert "promise gateway GET /products/{id} (faults)" in first_sentence
    assert "p99_ms=912" in first_sentence
    assert "latency_p99_ms=300" in first_sentence


def test_aborted_and_error_verdicts_say_why():
    assert "Guardrail" in verdict_sentence(make_journal("aborted"))
    assert "Toxiproxy stopped answering" in verdict_sentence(make_journal("error"))


def test_phase_figures_show_the_fault_at_the_front_door(passed_journal):
    figures = {f.phase: f for f in phase_figures(passed_journal)}
    assert list(figures) == ["warmup", "baseline", "faults", "recovery"]
    assert 95 < figures["baseline"].requests_per_s < 105
    assert figures["faults"].degraded_rate > 0.3 > figures["baseline"].degraded_rate
    assert figures["faults"].p99_ms > figures["baseline"].p99_ms


def test_recovery_and_blast_radius_come_from_checks_and_propagation(passed_journal, failed_journal):
    assert max(recovery_times_s(passed_journal).values()) == 4.2
    assert spread_services(passed_journal) == []
    assert spread_services(failed_journal) == ["gateway"]


def test_summary_markdown_has_verdict_checks_and_phases(failed_journal):
    text = render_summary_markdown(failed_journal)
    assert verdict_sentence(failed_journal) in text
    assert "| promise gateway GET /products/{id} (faults) | promise | **FAIL** |" in text
    assert "| faults |" in text and "| baseline |" in text


def test_summary_is_appended_to_the_github_step_summary(tmp_path, monkeypatch, passed_journal):
    step_summary = tmp_path / "step_summary.md"
    step_summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    write_summary(passed_journal, tmp_path / "summary.md")
    write_summary(passed_journal, tmp_path / "summary.md")
    text = step_summary.read_text()
    assert text.startswith("earlier step\n")
    assert text.count("Firebreak: recommendations-latency") == 2
    assert (tmp_path / "summary.md").read_text().count("Firebreak:") == 1
