"""`--repeat N`: how often each check failed over identical runs, and which ones flipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.checks.base import CheckResult
from harness.errors import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_PASSED
from harness.reports.repeat import summarize, write_summary
from harness.run_model import RunResult
from tests.conftest import REPO_ROOT


def result(outcome: str, failed: set[str], index: int) -> RunResult:
    checks = [
        CheckResult(name, "promise", name not in failed, "")
        for name in ("steady state before faults", "promise gateway", "recovery")
    ]
    run_dir = Path(f"/runs/run-{index:02d}")
    return RunResult(outcome, 0, run_dir, run_dir / "journal.json", "", checks)


def test_a_check_that_fails_in_some_runs_and_passes_in_others_flipped(tmp_path):
    runs = [
        result("passed", set(), 1),
        result("failed", {"promise gateway"}, 2),
        result("passed", set(), 3),
        result("failed", {"promise gateway", "recovery"}, 4),
    ]
    summary = summarize(runs)
    assert summary.failures_by_check == {
        "steady state before faults": 0,
        "promise gateway": 2,
        "recovery": 1,
    }
    assert summary.flipped_checks == ["promise gateway", "recovery"]
    assert summary.flip_rate == 2 / 3
    assert summary.exit_code == EXIT_FAILED
    written = json.loads(write_summary(summary, tmp_path).read_text())
    assert written["outcomes"] == {"passed": 2, "failed": 2}
    assert written["run_dirs"][3] == "/runs/run-04"


def test_inconclusive_runs_neither_fail_nor_flip_a_check():
    runs = [
        result("passed", set(), 1),
        result("inconclusive", {"promise gateway"}, 2),
        result("passed", set(), 3),
    ]
    summary = summarize(runs)
    assert summary.judged_runs == 2
    assert summary.flipped_checks == [] and summary.failures_by_check["promise gateway"] == 0
    assert summary.exit_code == EXIT_INCONCLUSIVE
    assert summarize([result("passed", set(), 1)]).exit_code == EXIT_PASSED


def test_repeat_zero_is_refused_before_anything_starts():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli.main",
            "run",
            str(REPO_ROOT / "scenarios" / "default.yaml"),
            "--repeat",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "`--repeat 0` runs nothing; expected 1 or more." in done.stderr
    assert "Deploying" not in done.stdout
