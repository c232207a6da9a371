"""The system folder's git revision, read from a real temporary repository with the real git."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from harness.reports.journal_builder import build_journal
from harness.scenario import load_scenario
from harness.source_revision import read_source_revision, source_json
from harness.system import SystemSpec, load_system
from harness.timeline import Timeline
from tests.fixtures.journals.make_journal import make_journal
from tests.git_repo import COMMIT_DATE, git

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a system folder and a neighbour folder, one commit."""
    root = tmp_path / "repo"
    (root / "system").mkdir(parents=True)
    (root / "other").mkdir()
    (root / "system" / "system.yaml").write_text("name: x\n")
    (root / "other" / "notes.txt").write_text("hello\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def test_a_clean_checkout_gives_its_commit_time_branch_and_top_level(repo: Path):
    revision = read_source_revision(repo / "system")
    assert revision is not None
    assert revision.commit == git(repo, "rev-parse", "HEAD") and len(revision.commit) == 40
    assert datetime.fromisoformat(revision.commit_time) == datetime.fromisoformat(COMMIT_DATE)
    assert revision.dirty is False
    assert revision.branch == "main"
    assert Path(revision.repo).resolve() == repo.resolve()
    assert revision.label == revision.commit[:10]


def test_dirty_is_scoped_to_the_system_folder(repo: Path):
    (repo / "other" / "notes.txt").write_text("changed elsewhere\n")
    assert read_source_revision(repo / "system").dirty is False  # type: ignore[union-attr]
    (repo / "system" / "system.yaml").write_text("name: y\n")
    revision = read_source_revision(repo / "system")
    assert revision is not None and revision.dirty is True
    assert revision.label.endswith("+dirty")
    (repo / "system" / "system.yaml").write_text("name: x\n")
    (repo / "system" / "new.txt").write_text("untracked\n")  # an untracked file counts too
    assert read_source_revision(repo / "system").dirty is True  # type: ignore[union-attr]


def test_a_detached_head_is_named_as_git_names_it(repo: Path):
    git(repo, "checkout", "-q", "--detach")
    assert read_source_revision(repo / "system").branch == "HEAD"  # type: ignore[union-attr]


def test_outside_a_work_tree_or_before_a_first_commit_it_is_none(tmp_path: Path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert read_source_revision(plain) is None
    assert source_json(tmp_path / "missing") is None
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert read_source_revision(empty) is None


def test_the_journal_records_the_source_in_its_system_section(repo: Path):
    (repo / "system" / "system.yaml").unlink()
    sample = ROOT / "sample_system" / "system.yaml"
    system_yaml = repo / "system" / "system.yaml"
    system_yaml.write_text(sample.read_text())
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "sample", date="2024-03-02T08:00:00+00:00")
    system = load_system(system_yaml)
    arguments = _journal_arguments(system)
    journal = build_journal(**arguments)  # read now, as a sweep or a game day does at its end
    source = journal.to_json()["system"]["source"]
    assert source["commit"] == git(repo, "rev-parse", "HEAD")
    assert source["commit_time"] == "2024-03-02T08:00:00+00:00" and source["dirty"] is False
    # a revision read when the run started is kept as given, None included
    again = build_journal(**arguments, source=None)
    assert again.system["source"] is None


def _journal_arguments(system: SystemSpec) -> dict[str, Any]:
    template = make_journal("passed")
    return {
        "run_id": "r",
        "started_at": template.started_at,
        "outcome": "passed",
        "scenario": load_scenario(ROOT / "scenarios" / "default.yaml"),
        "seed": 1,
        "platform": "local",
        "time_scale": 1.0,
        "toxiproxy_version": "x",
        "system": system,
        "timeline": Timeline("default", 1, phases=(), events=()),
        "observations": template.observations,
        "propagation": [],
        "checks": template.checks,
        "error": None,
        "abort_reason": None,
    }
