"""Running a sweep: one deployment, one steady load, and the cells one after another — each a
short experiment (steady baseline, the fault, recovery until steady again), judged with the
scenario checks over its own windows. Between cells the system is verified steady, not assumed.

The map is written after every cell, so a sweep stopped by Ctrl-C (everything reverted and torn
down as after a run) resumes where it stopped with `--resume`. Deploying, loading, observing and
injecting go through `bring_up` and the `FaultBook`, as for scenarios and game days."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.bring_up import bring_up
from harness.checks.evaluate import evaluate
from harness.checks.integrity import violations_of
from harness.checks.promise_view import resolve_promises
from harness.checks.promises import broken_in_window
from harness.checks.split_arms import judge_split_expecting
from harness.checks.split_outcome import TIME_BASED_KINDS
from harness.checks.steady_state import check_steady_state
from harness.cleanup import clean_orphans
from harness.errors import FirebreakError
from harness.fault_book import FaultBook
from harness.faults.base import FaultContext
from harness.ledger import Ledger
from harness.observe.integrity import collect_integrity
from harness.observe.series import FaultWindow, PhaseSpan, RunEvent, RunRecorder
from harness.platforms.factory import make_platform, preflight
from harness.run_files import new_run_dir
from harness.run_model import RunOptions
from harness.run_parts import RunParts
from harness.scenario import Expectations, Scenario
from harness.split_plan import plan_sweep_split
from harness.stop_signals import handling_stop_signals
from harness.sweep.cells import FAULT_KINDS, Cell, fault_spec
from harness.sweep.resilience_map import ResilienceMap
from harness.sweep.split_cells import with_arms
from harness.sweep.verdicts import NO_EVIDENCE, CellResult, cell_verdict, integrity_delta
from harness.system import SystemSpec
from harness.timeline import resolve_targets, uncounted_edges

POLL_S = 0.5
APPLY_AFTER_S = 0.02  # inject this long after a second begins


@dataclass
class SweepSettings:
    fault_s: float = 8.0  # how long each fault holds
    baseline_s: float = 5.0  # steady seconds before each fault (the previous recovery's)
    settle_max_s: float = 45.0  # a system not steady by then: the cell has no evidence
    latency_ms: int | None = None


@dataclass
class SweepOutcome:
    map: ResilienceMap
    run_dir: Path
    interrupted: str | None = None
    error: str | None = None
    timings_s: dict[str, float] = field(default_factory=dict)


class NotSteady(Exception):
    pass


class SweepRunner:
    def __init__(
        self,
        scenario: Scenario,
        system: SystemSpec,
        cells: list[Cell],
        resilience_map: ResilienceMap,
        options: RunOptions,
        settings: SweepSettings,
        on_message: Callable[[str], None] | None = None,
        on_cell: Callable[[CellResult], None] | None = None,
    ) -> None:
        # `scenario` gives the load and the steady-state limits; its faults are the cells
        self.scenario = scenario
        self.system = system
        self.cells = cells
        self.map = resilience_map
        self.options = options
        self.settings = settings
        self.on_message = on_message or (lambda message: None)
        self.on_cell = on_cell or (lambda result: None)
        self.platform_name = options.platform or scenario.platform
        self.seed = resilience_map.seed
        # `--split`: the entrypoint's replicas halved once, for the cells on its edges
        rows = [c.row for c in cells]
        split = plan_sweep_split(system, rows, self.platform_name) if options.split else None
        self.split = split
        resilience_map.split = split.describe() if split is not None else None
        self.recorder = RunRecorder.for_split(split)
        self.faults = FaultBook(system, self.recorder.observations)
        self.expect = Expectations(steady_state=scenario.expect.steady_state)
        self.timings_s: dict[str, float] = {}
        self.integrity_seen: dict[str, int] = {}
        self.bring_up_at = time.time()
        self.started_at: float | None = None  # the first cell's start: the load was ready
        self.toxiproxy_version = ""
        self.integrity_unanswered: list[str] = []

    def run(self) -> SweepOutcome:
        fault_types = {FAULT_KINDS[c.kind][1] for c in self.cells}
        preflight(self.platform_name, self.system, fault_types)  # bad input: nothing started
        clean_orphans()
        run_dir = self.options.out_dir or new_run_dir(f"sweep-{self.system.name}")
        run_dir.mkdir(parents=True, exist_ok=True)
        ledger = Ledger(run_dir.name, run_dir)
        platform = make_platform(
            self.platform_name,
            self.system,
            run_dir,
            ledger,
            self.options,
            self.on_message,
            # any edge may be faulted: the balancer counts the requests of those whose caller
            # counts no attempts (their cells' amplification), the rest stay TCP
            http_edges=uncounted_edges(self.system),
            split=self.split,
        )
        parts = RunParts()
        outcome = SweepOutcome(self.map, run_dir, timings_s=self.timings_s)
        with handling_stop_signals() as stops:
            try:
                self.bring_up_at = time.time()
                context = bring_up(
                    platform,
                    self.system,
                    self.scenario,
                    self.seed,
                    run_dir,
                    ledger,
                    self.recorder,
                    parts,
                    ready_timeout_s=self.options.ready_timeout_s,
                    timings_s=self.timings_s,
                    on_message=self.on_message,
                )
                self.started_at = time.time()
                self.toxiproxy_version = platform.toxiproxy_version or ""
                self.platform = platform
                self.run_dir = run_dir
                self.integrity_seen = self._integrity()
                for index, cell in enumerate(self.cells, 1):
                    self.on_message(
                        f"[{index}/{len(self.cells)}] {cell.id} ...{self._time_left(index)}"
                    )
                    result = self._run_cell(cell, context)
                    self.map.cells[cell.id] = result
                    self.map.write(run_dir / "map.json")
                    self.on_cell(result)
            except KeyboardInterrupt as interrupt:
                outcome.interrupted = interrupt.args[0] if interrupt.args else "SIGINT"
                self.on_message(
                    f"Sweep interrupted ({outcome.interrupted}): reverting and tearing down; "
                    "`--resume` continues from the cells done."
                )
            except FirebreakError as exc:
                outcome.error = str(exc)
            finally:
                with stops.shielded(raise_after=False):
                    self.faults.revert_all(self.on_message)
                    parts.stop(self.recorder.observations)
                    platform.teardown()
                    ledger.close()
                    self.map.write(run_dir / "map.json")
        return outcome

    def _time_left(self, index: int) -> str:
        """ ", about N min left", from the cells run so far (none yet: nothing to say)."""
        done = [r.ended_at - r.started_at for r in self.map.cells.values() if r.ended_at]
        if not done or self.started_at is None:
            return ""
        left_s = sorted(done)[len(done) // 2] * (len(self.cells) - index + 1)
        return " (under a minute left)" if left_s < 60 else f" (about {left_s / 60:.0f} min left)"

    # -- one cell -----------------------------------------------------------------------------
    def _run_cell(self, cell: Cell, context: FaultContext) -> CellResult:
        started = time.time()
        try:
            baseline = self._wait_steady(self.settings.settle_max_s, not_before=self.started_at)
            steady_before_s = time.time() - started
        except NotSteady as exc:
            return CellResult(
                cell.id, cell.row, cell.kind, NO_EVIDENCE, summary=f"Not steady before: {exc}",
                started_at=started, ended_at=time.time(),
            )  # fmt: skip
        spec = fault_spec(cell, self.settings.fault_s, self.settings.latency_ms)
        resolved = resolve_targets(spec, self.system, self.seed)
        targets = resolved.edges or resolved.instances
        # The load is counted in whole seconds (a second belongs to the phase that holds its
        # middle). Injected just after a second begins, no second of the baseline holds any of
        # the fault: a catastrophic fault's first half second read as "not steady before".
        fault_start = math.ceil(baseline[1])
        time.sleep(max(0.0, fault_start + APPLY_AFTER_S - time.time()))
        baseline = (fault_start - self.settings.baseline_s, fault_start)
        applying = time.time()
        window = self.faults.apply(cell.slug, spec, targets, context, edges=bool(resolved.edges))
        self._hold(window, fault_start + self.settings.fault_s)
        self.faults.revert(cell.slug)
        # A replaced kill is over when its replicas run again (`_hold`): its faults phase spans
        # the replacement, so its promises are judged over the requests of that time, and its
        # recovery is counted from the kill, as the recovery check counts a scenario's.
        fault_end = window.reverted_at or time.time()
        phase_end = float(round(fault_end))  # the second the revert fell in, by its middle
        recovery_from = window.applied_at if window.replaced else fault_end
        steady_start = None
        try:
            # the recovery ends with a whole steady window after the fault, never one that
            # reaches back into it (nor into the second it was reverted in), so the recovery
            # phase is never shorter than that window
            steady_start, recovery_end = self._wait_steady(
                self.settings.settle_max_s, not_before=math.ceil(fault_end)
            )
        except NotSteady:
            recovery_end = time.time()
        judging = time.time()
        phases = [
            PhaseSpan("baseline", *baseline),
            PhaseSpan("faults", fault_start, phase_end),
            PhaseSpan("recovery", phase_end, max(phase_end, recovery_end)),
        ]
        result = self._judge(cell, window, phases)
        # where a cell's time goes (bench/sweep_figures.py): the steady check before it, the
        # fault, the wait for a steady window after it, judging (integrity's settling included)
        result.numbers["timings_s"] = {
            "steady_before": round(steady_before_s, 2),
            "fault": round(fault_end - applying, 2),
            "steady_after": round(judging - fault_end, 2),
            "judge": round(time.time() - judging, 2),
        }
        if steady_start is not None:
            result.recovery_s = round(max(0.0, steady_start - recovery_from), 1)
        result.started_at, result.ended_at = started, time.time()
        return result

    def _hold(self, window: FaultWindow, deadline: float) -> None:
        """The fault's time; a replaced kill is over when its replicas run again."""
        while time.time() < deadline:
            if window.replaced and time.time() - window.applied_at > 1.0:
                states = {i.id: i.state for i in self.platform.instances()}
                if all(states.get(t) == "running" for t in window.targets):
                    return
            time.sleep(min(POLL_S, max(0.0, deadline - time.time())))

    def _wait_steady(self, within_s: float, not_before: float) -> tuple[float, float]:
        """The first `baseline_s` window, ending now and starting no earlier than `not_before`,
        in which the front door is steady (the steady-state check itself: errors, degraded
        answers, fallbacks, open breakers) and every published promise holds (a previous cell's
        slow tail must not be read as the next cell's spread)."""
        deadline = time.time() + within_s
        obs = self.recorder.observations
        # the sweep's expectations hold no promise of their own: the system's, as merged
        promises = resolve_promises(obs, self.expect.promises, self.system.entrypoint)
        why = "no steady window yet"
        while time.time() < deadline:
            end = time.time()
            start = end - self.settings.baseline_s
            if start >= not_before:
                steady = check_steady_state(
                    obs, "between cells", start, end, self.expect.steady_state
                )
                broken = broken_in_window(obs, promises, self.system.entrypoint, start, end)
                if steady.passed and not broken:
                    return start, end
                why = steady.summary if not steady.passed else "; ".join(broken)
            time.sleep(POLL_S)
        raise NotSteady(f"the system was not steady within {within_s:g} s: {why}")

    def _judge(self, cell: Cell, window: FaultWindow, phases: list[PhaseSpan]) -> CellResult:
        obs = self.recorder.observations
        end = phases[-1].end
        view = replace(
            obs,
            faults=[window],
            phases=phases,
            events=[e for e in obs.events if window.applied_at - 1 <= e.t <= end],
        )
        split = self.split if self.split is not None and cell.row in self.split.edges else None
        evaluation = evaluate(view, self.expect, self.system.entrypoint, split)
        before, self.integrity_seen = self.integrity_seen, self._integrity()
        result = cell_verdict(
            cell.id,
            cell.row,
            cell.kind,
            [c for c in evaluation.checks if c.kind != "steady_state"],
            evaluation.propagation,
            self.system.entrypoint,
            integrity_delta(before, self.integrity_seen),
        )
        result.numbers["checks"] = {c.name: c.summary for c in evaluation.checks}
        if self.integrity_seen or before:
            # cumulative violations before and after the cell: the evidence for its data verdict
            result.numbers["integrity"] = {
                "before": before,
                "after": self.integrity_seen,
                "unanswered": self.integrity_unanswered,
            }
        result.numbers["interference"] = evaluation.interference.to_json()
        if evaluation.interference.detected:
            # a busy machine gives no verdict: the cell says why instead of guessing
            result.verdict = NO_EVIDENCE
            result.summary = (
                "Not judged: the machine interfered with the measurement ("
                + "; ".join(evaluation.interference.reasons)
                + f"). The checks said: {result.summary}"
            )
        if split is not None:  # the front door by arm, in the same seconds (split_cells.py)
            # a cell has no blast radius beyond its target: the front door's failures are
            # always compared, as a plain sweep counts them spread (a promised 503 included)
            split_checks, unlike = judge_split_expecting(
                view, split, self.expect, self.system.entrypoint, blast_radius=()
            )
            counted = [c for c in evaluation.checks if c.kind not in TIME_BASED_KINDS]
            busy = evaluation.interference.detected
            result = with_arms(
                result, split_checks, unlike, counted, busy, view, split, self.system.entrypoint
            )
        self.recorder.on_event(
            RunEvent(
                time.time(), "sweep", "judged", cell.slug, list(window.targets), result.verdict
            )
        )
        return result

    def _integrity(self) -> dict[str, int]:
        """Every integrity violation counted so far, summed over the services that offer one."""
        if not any(spec.integrity for spec in self.system.services.values()):
            return {}
        answers = collect_integrity(
            self.platform, self.system, self.run_dir / "accepted-orders.txt"
        )
        totals: dict[str, int] = {}
        self.integrity_unanswered = []
        for service, answer in answers.items():
            if not isinstance(answer, dict) or "error" in answer:
                # no answer: no data verdict from this service for the cell, said in its numbers
                self.integrity_unanswered.append(service)
                continue
            for name, count in violations_of(answer).items():
                totals[f"{service}.{name}"] = totals.get(f"{service}.{name}", 0) + count
        return totals
