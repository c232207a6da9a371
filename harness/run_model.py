"""What a scenario run is given (options), shows while it runs (progress) and gives back
(its result). Plain data, so the CLI, the pytest plugin and benches share it without the runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.checks.base import CheckResult


@dataclass
class RunOptions:
    time_scale: float = 1.0
    seed: int | None = None
    out_dir: Path | None = None
    platform: str | None = None
    env_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    port_offset: int = 0
    ready_timeout_s: float = 60.0
    render_reports: bool = True
    split: bool = False  # a control arm beside the experiment (issue 24; local and Docker)
    # a split run's faults end once the arms' difference is decided (harness/split_stop.py)
    stop_when_decided: bool = True
    # traces from the services that declare them (issue 25); None: on unless FIREBREAK_TRACES=off
    traces: bool | None = None


@dataclass
class Progress:
    phase: str
    elapsed_s: float
    total_s: float
    requests_per_s: float
    error_rate: float
    degraded_rate: float
    active_faults: list[str]


@dataclass
class RunResult:
    outcome: str
    exit_code: int
    run_dir: Path
    journal_path: Path
    verdict: str
    checks: list[CheckResult]
    files: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]


class RunInterrupted(KeyboardInterrupt):
    """A stop signal (or Ctrl-C) ended a run early: its faults were reverted and everything was
    torn down, and its result (outcome `aborted`, reports written) rides along. A KeyboardInterrupt,
    so a caller that does not know Firebreak (pytest, say) stops as it would on Ctrl-C."""

    def __init__(self, result: RunResult) -> None:
        super().__init__(result.verdict)
        self.result = result
