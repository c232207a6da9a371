"""A scenario run as a test sees it: the outcome, the checks, and assertions that fail with
every failed check's numbers (the pytest plugin hands these to tests)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.checks.base import CheckResult
    from harness.runner import RunResult

__all__ = ["ChaosResult", "format_numbers"]


@dataclass(frozen=True)
class ChaosResult:
    """One scenario run, as a test sees it: the runner's `RunResult` plus assertions."""

    scenario_name: str
    run_result: RunResult

    @property
    def passed(self) -> bool:
        return self.run_result.outcome == "passed"

    @property
    def outcome(self) -> str:
        """`passed`, `failed`, `inconclusive` (the machine interfered), `aborted` (a guardrail or
        an interrupt) or `error`."""
        return self.run_result.outcome

    @property
    def verdict(self) -> str:
        return self.run_result.verdict

    @property
    def checks(self) -> list[CheckResult]:
        return self.run_result.checks

    @property
    def failed_checks(self) -> list[CheckResult]:
        return self.run_result.failed_checks

    @property
    def run_dir(self) -> Path:
        return self.run_result.run_dir

    @property
    def journal_path(self) -> Path:
        return self.run_result.journal_path

    @property
    def report_path(self) -> Path:
        """The HTML report, or the journal when the reports could not be rendered."""
        html = self.run_result.files.get("html")
        if not html:
            return self.journal_path
        path = Path(html)
        return path if path.is_absolute() else self.run_dir / path

    def check(self, name: str) -> CheckResult:
        """The check called `name` (e.g. "data integrity"); `KeyError` names the ones there are."""
        for check in self.checks:
            if check.name == name:
                return check
        names = ", ".join(f"`{c.name}`" for c in self.checks) or "none (the run ended early)"
        raise KeyError(f"The run of `{self.scenario_name}` has no check `{name}`; it has {names}.")

    def failure_message(self) -> str:
        """Why the run did not pass: the verdict, each failed check with its numbers, the report."""
        # the verdict already says failed / aborted / harness error, and names the first check
        lines = [f"Scenario `{self.scenario_name}`: {self.verdict}"]
        failed = self.failed_checks
        if failed:
            lines.append(f"{len(failed)} of {len(self.checks)} checks failed:")
        for check in failed:
            lines.append(f"  - {check.name}: {check.summary}")
            if check.numbers:
                lines.append(f"      numbers:   {format_numbers(check.numbers)}")
            if check.tolerance:
                lines.append(f"      tolerance: {format_numbers(check.tolerance)}")
        lines.append(f"report: {self.report_path}")
        return "\n".join(lines)

    def assert_passed(self) -> None:
        """Raise `AssertionError` listing every failed check with its numbers, unless passed."""
        __tracebackhide__ = True  # the failure is the scenario's, not this line's
        if not self.passed:
            raise AssertionError(self.failure_message())


def format_numbers(numbers: dict[str, Any]) -> str:
    """`key=value, ...`, floats rounded, nested dicts inline: one readable line per check."""
    return ", ".join(f"{key}={_format_value(value)}" for key, value in numbers.items())


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return repr(round(value, 4))
    if isinstance(value, dict):
        return "{" + format_numbers(value) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else str(value)
