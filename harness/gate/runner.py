"""`firebreak gate`: several scenarios, each group of them on one deployment of its system.

Everything is read and checked first (bad input: exit 2, nothing started). Then for each group
(harness/gate/plan.py) the system is deployed and made ready once, and its scenarios run one after
another on it, each with its own load, observers, timeline, verdict and folder; before each one
after the first, every replica must be running again. The gate's folder holds one folder per
scenario (its journal and reports, as `firebreak run` writes them), `gate.json` (what ran where,
each outcome), one `junit.xml` with a suite per scenario, and `summary.md`. A stop signal reverts,
stops and tears down as a run does; `--resume` then runs only the scenarios with no journal yet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.checks.base import OUTCOME_EXIT_CODES
from harness.cleanup import clean_orphans
from harness.errors import FirebreakError
from harness.gate.deployment import NotRestored, SharedDeployment
from harness.gate.plan import DeploymentGroup, GateEntry, group_entries
from harness.platforms.factory import preflight
from harness.run_model import RunInterrupted, RunOptions, RunResult
from harness.runner import ScenarioRunner
from harness.stop_signals import StopSignals, handling_stop_signals

GATE_FILE = "gate.json"
# the worst outcome decides the gate's exit code, as for one run
OUTCOME_ORDER = ("passed", "inconclusive", "failed", "aborted", "error")


@dataclass
class GateScenario:
    name: str
    path: str
    deployment: int
    outcome: str
    verdict: str
    folder: str
    wall_s: float = 0.0
    restored_s: float | None = None


@dataclass
class GateOutcome:
    folder: Path
    scenarios: list[GateScenario] = field(default_factory=list)
    deployments: list[dict[str, object]] = field(default_factory=list)
    interrupted: str | None = None
    wall_s: float = 0.0
    # each scenario's full result, for a caller in this process (the project's own tests)
    results: dict[str, RunResult] = field(default_factory=dict, repr=False)

    @property
    def exit_code(self) -> int:
        if not self.scenarios:
            return OUTCOME_EXIT_CODES["error"]
        worst = max(self.scenarios, key=lambda s: OUTCOME_ORDER.index(s.outcome)).outcome
        return OUTCOME_EXIT_CODES[worst]

    def write(self) -> Path:
        path = self.folder / GATE_FILE
        document = {
            "scenarios": [asdict(s) for s in self.scenarios],
            "deployments": self.deployments,
            "interrupted": self.interrupted,
            "wall_s": round(self.wall_s, 2),
        }
        path.write_text(json.dumps(document, indent=2) + "\n")
        return path


class GateRunner:
    def __init__(
        self,
        entries: list[GateEntry],
        folder: Path,
        options: RunOptions,
        *,
        restore_timeout_s: float = 60.0,
        done: dict[str, GateScenario] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        self.entries = entries
        self.folder = folder
        self.options = options
        self.restore_timeout_s = restore_timeout_s
        self.done = done or {}  # resumed: scenarios already judged, kept as they were
        self.on_message = on_message or (lambda message: None)
        self.groups: list[DeploymentGroup] = group_entries(entries, options.platform)
        self.interrupted_entry: GateScenario | None = None
        self.results: dict[str, RunResult] = {}

    def run(self) -> GateOutcome:
        for group in self.groups:  # bad input: exit 2 before anything starts
            preflight(group.platform, group.system, group.fault_types)
        clean_orphans()
        self.folder.mkdir(parents=True, exist_ok=True)
        outcome = GateOutcome(self.folder, scenarios=list(self.done.values()), results=self.results)
        started = time.monotonic()
        with handling_stop_signals() as stops:
            try:
                for index, group in enumerate(self.groups, 1):
                    todo = [e for e in group.entries if e.name not in self.done]
                    if todo:
                        self._run_group(index, group, todo, outcome, stops)
            except KeyboardInterrupt as interrupt:
                outcome.interrupted = interrupt.args[0] if interrupt.args else "SIGINT"
                if self.interrupted_entry is not None:
                    outcome.scenarios.append(self.interrupted_entry)
            finally:
                outcome.wall_s = time.monotonic() - started
                outcome.write()
        return outcome

    def _run_group(
        self,
        index: int,
        group: DeploymentGroup,
        todo: list[GateEntry],
        outcome: GateOutcome,
        stops: StopSignals,
    ) -> None:
        names = ", ".join(e.name for e in todo)
        self.on_message(
            f"Deployment {index} of {len(self.groups)}: `{group.system.name}` on "
            f"`{group.platform}` for {names}"
        )
        shared = SharedDeployment(
            group, self.folder / f"deployment-{index}", self.options, self.on_message
        )
        record: dict[str, object] = {"index": index, "scenarios": [e.name for e in todo]}
        outcome.deployments.append(record)
        try:
            shared.deploy(self.options.ready_timeout_s)
            for position, entry in enumerate(todo):
                restored_s = None
                if position > 0:
                    try:
                        restored_s = shared.wait_restored(self.restore_timeout_s)
                    except NotRestored as exc:
                        self._not_run(todo[position:], index, f"not run: {exc}", outcome)
                        return
                outcome.scenarios.append(self._run_one(entry, shared, index, restored_s))
                outcome.write()
        except FirebreakError as exc:
            ran = {s.name for s in outcome.scenarios}
            self._not_run([e for e in todo if e.name not in ran], index, str(exc), outcome)
        finally:
            with stops.shielded(raise_after=False):
                shared.teardown()
            record["timings_s"] = {k: round(v, 2) for k, v in shared.timings_s.items()}

    def _run_one(
        self, entry: GateEntry, shared: SharedDeployment, index: int, restored_s: float | None
    ) -> GateScenario:
        self.on_message(f"  {entry.name} ...")
        options = RunOptions(
            time_scale=entry.time_scale or self.options.time_scale,
            seed=entry.seed,
            platform=shared.group.platform,
            render_reports=self.options.render_reports,
        )
        runner = ScenarioRunner(entry.scenario, entry.system, options, on_message=self.on_message)
        started = time.monotonic()
        try:
            result = runner.run_on(shared, self.folder / entry.name)
        except RunInterrupted as stopped:
            # kept in gate.json as aborted; `--resume` runs it again
            shared_outcome = self._entry(entry, index, stopped.result, started, restored_s)
            self.interrupted_entry = shared_outcome
            raise
        scenario = self._entry(entry, index, result, started, restored_s)
        self.on_message(f"  {entry.name}: {result.outcome}: {result.verdict}")
        self.results[entry.name] = result
        return scenario

    def _entry(
        self,
        entry: GateEntry,
        index: int,
        result: RunResult,
        started: float,
        restored_s: float | None,
    ) -> GateScenario:
        return GateScenario(
            name=entry.name,
            path=str(entry.path),
            deployment=index,
            outcome=result.outcome,
            verdict=result.verdict,
            folder=entry.name,
            wall_s=round(time.monotonic() - started, 2),
            restored_s=None if restored_s is None else round(restored_s, 2),
        )

    def _not_run(
        self, entries: list[GateEntry], index: int, why: str, outcome: GateOutcome
    ) -> None:
        for entry in entries:
            self.on_message(f"  {entry.name}: error: {why}")
            outcome.scenarios.append(
                GateScenario(entry.name, str(entry.path), index, "error", why, entry.name)
            )
