"""Journals for the report tests: the fixture files on disk, and fresh synthetic ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.reports.journal import Journal, read_journal
from tests.fixtures.journals.make_journal import make_journal

JOURNALS = Path(__file__).resolve().parents[1] / "fixtures" / "journals"


@pytest.fixture(autouse=True)
def no_github_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run inside GitHub Actions too: never append to the real job summary."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def passed_journal() -> Journal:
    return read_journal(JOURNALS / "passed.json")


@pytest.fixture
def failed_journal() -> Journal:
    return read_journal(JOURNALS / "failed.json")


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    """A passed run's journal, alone in its own run folder."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    return make_journal("passed").write(run_dir / "journal.json")
