"""`firebreak history` refuses bad input with exit 2, a message naming the file or folder and
what was expected, and writes nothing."""

from __future__ import annotations

from pathlib import Path

from harness.cli.main import main
from tests.history.series import at_commit, real_journal, write_run


def _refused(args: list[str], out: Path, capsys) -> str:
    assert main(["history", *args, "--out", str(out)]) == 2
    assert not out.exists()  # nothing written
    return " ".join(capsys.readouterr().err.split())  # rich wraps nothing, but be sure


def test_a_folder_with_no_journals(tmp_path, capsys):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    said = _refused([str(empty)], tmp_path / "out", capsys)
    assert str(empty) in said and "No journal.json or sweep map.json under this folder" in said


def test_a_path_that_does_not_exist(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    said = _refused([str(missing)], tmp_path / "out", capsys)
    assert str(missing) in said and "does not exist" in said


def test_a_journal_of_a_newer_schema_version_is_named(tmp_path, capsys):
    write_run(tmp_path / "runs", at_commit(real_journal(), 1))
    newer = at_commit(real_journal(), 2)
    newer["schema_version"] = 2
    path = write_run(tmp_path / "runs", newer)
    said = _refused([str(tmp_path / "runs")], tmp_path / "out", capsys)
    assert str(path) in said and "schema_version 2" in said and "reads version 1" in said


def _two_systems(folder: Path) -> Path:
    write_run(folder, at_commit(real_journal(), 1))
    other = at_commit(real_journal(), 2)
    other["system"]["name"] = "bookshop"
    return write_run(folder, other)


def test_journals_of_two_systems_without_system(tmp_path, capsys):
    bookshop = _two_systems(tmp_path / "runs")
    said = _refused([str(tmp_path / "runs")], tmp_path / "out", capsys)
    assert "`bookshop`" in said and "`sample-store`" in said and str(bookshop) in said
    assert "--system NAME" in said


def test_journals_of_another_system_than_asked(tmp_path, capsys):
    _two_systems(tmp_path / "runs")
    args = [str(tmp_path / "runs"), "--system", "payments-platform"]
    said = _refused(args, tmp_path / "out", capsys)
    assert "No journal of system `payments-platform`" in said and "`bookshop`" in said
    # the system asked for is charted alone
    out = tmp_path / "chosen"
    assert main(["history", str(tmp_path / "runs"), "--system", "bookshop", "--out", str(out)]) == 0
    assert "Resilience history of <code>bookshop</code>" in (out / "history.html").read_text()


def test_a_negative_threshold(tmp_path, capsys):
    write_run(tmp_path / "runs", at_commit(real_journal(), 1))
    args = [str(tmp_path / "runs"), "--threshold-availability", "-0.1"]
    said = _refused(args, tmp_path / "out", capsys)
    assert "--threshold-availability" in said and "expected 0 or more" in said
