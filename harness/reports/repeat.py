"""`firebreak run --repeat N`: the same scenario N times, and how often each check failed.

A verdict that flips between identical runs is a bug (in the system, the scenario or the gate),
so the flip rate is reported per check: a check that failed in some runs and passed in others
flipped. `repeat.json` keeps every run's outcome and folder beside the runs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_PASSED
from harness.run_model import RunResult


@dataclass
class RepeatSummary:
    runs: int
    outcomes: Counter[str] = field(default_factory=Counter)
    # over the runs that gave a verdict (passed or failed): an inconclusive run's checks measured
    # the machine, so they neither fail nor flip a check
    judged_runs: int = 0
    failures_by_check: dict[str, int] = field(default_factory=dict)  # check → runs it failed in
    run_dirs: list[str] = field(default_factory=list)

    @property
    def flipped_checks(self) -> list[str]:
        """Checks that failed in some judged runs and passed in others."""
        return sorted(
            name for name, n in self.failures_by_check.items() if 0 < n < self.judged_runs
        )

    @property
    def flip_rate(self) -> float:
        """The share of checks whose result was not the same in every judged run."""
        if not self.failures_by_check:
            return 0.0
        return len(self.flipped_checks) / len(self.failures_by_check)

    @property
    def exit_code(self) -> int:
        """Failed if any run failed; inconclusive if any run was and none failed; else passed."""
        if any(self.outcomes.get(bad) for bad in ("failed", "aborted", "error")):
            return EXIT_FAILED
        if self.outcomes.get("inconclusive"):
            return EXIT_INCONCLUSIVE
        return EXIT_PASSED

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "judged_runs": self.judged_runs,
            "outcomes": dict(self.outcomes),
            "failures_by_check": self.failures_by_check,
            "flipped_checks": self.flipped_checks,
            "flip_rate": round(self.flip_rate, 4),
            "run_dirs": self.run_dirs,
        }


def summarize(results: list[RunResult]) -> RepeatSummary:
    summary = RepeatSummary(runs=len(results))
    for result in results:
        summary.outcomes[result.outcome] += 1
        summary.run_dirs.append(str(result.run_dir))
        if result.outcome not in ("passed", "failed"):
            continue
        summary.judged_runs += 1
        for check in result.checks:
            summary.failures_by_check.setdefault(check.name, 0)
            summary.failures_by_check[check.name] += not check.passed
    return summary


def write_summary(summary: RepeatSummary, folder: Path) -> Path:
    path = folder / "repeat.json"
    path.write_text(json.dumps(summary.to_json(), indent=1), encoding="utf-8")
    return path
