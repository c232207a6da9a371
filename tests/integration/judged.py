"""Running a scenario in a test so that a busy machine cannot flip the test: an `inconclusive`
run (the machine interfered with the measurement) is run again, at most twice, and every attempt
is reported in the test's output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.run_model import RunResult

ATTEMPTS = 3


def judged_run(run: Callable[[Path], RunResult], out: Path) -> RunResult:
    """`run(out_dir)` until it gives a verdict (passed, failed, aborted, error), at most
    `ATTEMPTS` times; the last result either way."""
    result = None
    for attempt in range(1, ATTEMPTS + 1):
        result = run(out if attempt == 1 else out.with_name(f"{out.name}-attempt-{attempt}"))
        print(f"attempt {attempt}: {result.outcome}: {result.verdict}")
        if result.outcome != "inconclusive":
            return result
    assert result is not None
    return result
