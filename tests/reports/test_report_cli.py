"""`firebreak report` and `render_run`: every file, beside the journal or in --out; bad journals
end with exit 2 and one sentence."""

from __future__ import annotations

import json
import subprocess
import sys

from harness.cli.main import main
from harness.reports.render import render_run
from tests.reports.conftest import JOURNALS

REPO = JOURNALS.parents[2]
EXPECTED = {
    "html": "report.html",
    "junit": "junit.xml",
    "summary": "summary.md",
    "plot:timeline": "plots/timeline.png",
    "plot:services": "plots/services.png",
    "plot:propagation": "plots/propagation.png",
    "plot:breakers": "plots/breakers.png",
}


def test_render_run_writes_every_report_beside_the_journal(journal_file):
    written = render_run(journal_file)
    run_dir = journal_file.parent
    assert {name: path.relative_to(run_dir).as_posix() for name, path in written.items()} == (
        EXPECTED
    )
    assert all(path.stat().st_size > 0 for path in written.values())


def test_render_run_appends_to_a_given_step_summary(journal_file, tmp_path):
    step_summary = tmp_path / "step.md"
    render_run(journal_file, step_summary=step_summary)
    assert "Firebreak: recommendations-latency" in step_summary.read_text()


def test_report_command_writes_to_out_and_prints_the_paths(journal_file, tmp_path, capsys):
    out = tmp_path / "elsewhere"
    assert main(["report", str(journal_file), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for relative in EXPECTED.values():
        assert (out / relative).is_file()
        assert str(out / relative) in printed
    assert not (journal_file.parent / "report.html").exists()


def test_old_schema_version_is_refused_with_exit_2(tmp_path, capsys):
    data = json.loads((JOURNALS / "passed.json").read_text())
    data["schema_version"] = 0
    old = tmp_path / "journal.json"
    old.write_text(json.dumps(data))
    assert main(["report", str(old)]) == 2
    err = capsys.readouterr().err
    assert "schema_version 0" in err and "Traceback" not in err
    assert not (tmp_path / "report.html").exists()


def test_corrupt_and_missing_journals_are_refused_with_exit_2(tmp_path, capsys):
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"schema_version": 1, "run_id": ')
    assert main(["report", str(corrupt)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    incomplete = tmp_path / "incomplete.json"
    incomplete.write_text('{"schema_version": 1, "run_id": "x"}')
    assert main(["report", str(incomplete)]) == 2
    assert "incomplete or corrupt" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.json")]) == 2


def test_report_runs_as_a_module_from_the_command_line(journal_file):
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "report", str(journal_file)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert str(journal_file.parent / "report.html") in result.stdout
