"""A game day: the system up under steady load, faults injected and reverted by people through the
console, each with the hypothesis stated first, notes taken, and at the end the run folder of an
ordinary run.

The session deploys, loads and observes through `bring_up`, injects through the `FaultBook`
(the registry, the ledger, the platform), judges through the scenario checks, and writes the
journal and report through the same builders as a scenario run. The console's HTTP handlers
call its public methods from their threads; one lock keeps them and the once-a-second tick apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.bring_up import bring_up
from harness.checks.promise_view import resolve_promises
from harness.cleanup import clean_orphans
from harness.edge_protocol import http_servable
from harness.errors import FirebreakError
from harness.fault_book import FaultBook
from harness.faults.base import FaultContext
from harness.gameday import live_view
from harness.gameday.exercise import ExercisePhases, Note, Step, phase_spans, spec_params
from harness.gameday.judging import judge_step, settled
from harness.gameday.palette import (
    ConsoleConflict,
    ConsoleRequestError,
    fault_from_request,
    palette,
    targets,
)
from harness.guardrails import tripped_guardrail
from harness.ledger import Ledger
from harness.observe.series import PhaseSpan, RunEvent, RunRecorder
from harness.platforms.base import Platform
from harness.platforms.factory import make_platform, preflight
from harness.run_files import new_run_dir
from harness.run_model import RunOptions
from harness.run_parts import RunParts
from harness.scenario import Scenario
from harness.split_plan import plan_sweep_split
from harness.stop_signals import handling_stop_signals
from harness.system import SystemSpec
from harness.timeline import resolve_targets

TICK_S = 0.25
SNAPSHOT_EVERY_S = 1.0
# a replaced kill is over when its replicas run again; past this it is closed anyway
REPLACED_KILL_CLOSE_AFTER_S = 120.0


@dataclass
class ExerciseState:
    phase: str = "starting"
    load_started_at: float | None = None
    steps: list[Step] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    guardrail: str | None = None
    end_requested: str | None = None
    ended_at: float | None = None  # when the end was asked for: the load stops right after
    ended: dict[str, Any] | None = None


class GameDay:
    def __init__(
        self,
        scenario: Scenario,
        system: SystemSpec,
        options: RunOptions,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        # `scenario` gives the load, the warm-up and baseline lengths, the expectations and
        # guardrails; its faults are not used: people choose them
        self.scenario = scenario
        self.system = system
        self.options = options
        self.on_message = on_message or (lambda message: None)
        self.platform_name = options.platform or scenario.platform
        self.seed = scenario.seed if options.seed is None else options.seed
        # `--split`: the entrypoint's replicas halved once, for the steps on its edges
        edges = [e.name for e in system.edges()]
        self.split = plan_sweep_split(system, edges, self.platform_name) if options.split else None
        self.recorder = RunRecorder.for_split(self.split)
        self.faults = FaultBook(system, self.recorder.observations)
        self.state = ExerciseState()
        self.lock = threading.RLock()
        self.version = 0  # bumped on every change the console must see
        self.snapshot: dict[str, Any] = {}
        self.series = live_view.SeriesRows()
        self.system_view = live_view.system_view(system)
        self.palette = palette()
        self.targets = targets(system)
        self.timings_s: dict[str, float] = {}
        self.platform: Platform | None = None
        self.context: FaultContext | None = None
        self.run_dir: Path | None = None
        self.started_at = time.time()
        self.console_url: str | None = None
        self._next_index = 1

    # -- the console's actions (any thread) ---------------------------------------------------
    def inject(self, request: dict[str, Any]) -> Step:
        hypothesis = str(request.get("hypothesis") or "").strip()
        if not hypothesis:
            raise ConsoleRequestError(
                "State the hypothesis before injecting: what do you expect to happen?",
                field="hypothesis",
            )
        with self.lock:
            self._check_open_for_faults()
            fault_type = str(request.get("type"))
            name = f"{fault_type.replace('_', '-')}-{self._next_index}"
            spec, duration_s = fault_from_request(request, name, self.system)
            preflight(self.platform_name, self.system, {fault_type})
            resolved = resolve_targets(spec, self.system, self.seed)
            edges = bool(resolved.edges)
            step = Step(
                name=name,
                type=fault_type,
                target=request.get("target"),
                params=spec_params(spec),
                hypothesis=hypothesis,
                targets=list(resolved.edges or resolved.instances),
                applied_at=time.time(),
                planned_duration_s=duration_s,
            )
            if step.instantaneous:
                step.planned_duration_s = None
            assert self.context is not None
            self._next_index += 1
            self.state.steps.append(step)
            self._record_faults_asked_at(time.time())
            try:
                window = self.faults.apply(
                    name, spec, tuple(step.targets), self.context, edges=edges
                )
            except FirebreakError:
                if name not in self.faults.windows:
                    # refused before it acted (the registry, the platform): no step happened
                    self.state.steps.remove(step)
                raise
            finally:
                self._changed()
            step.applied_at = window.applied_at
            step.description = window.description
            self.on_message(f"Injected `{name}`: {window.description}. Hypothesis: {hypothesis}")
            return step

    def revert(self, name: str) -> Step:
        with self.lock:
            step = self._step(name)
            if step.reverted_at is None:
                self._close_step(step)
            return step

    def stop_everything(self) -> list[str]:
        with self.lock:
            self._record_faults_asked_at(time.time())
            reverted = self.faults.revert_all(self.on_message)
            for step in self.state.steps:
                if step.reverted_at is None and step.name not in self.faults.active:
                    window = self.faults.windows.get(step.name)
                    step.reverted_at = (window.reverted_at if window else None) or time.time()
            self._changed()
            self.on_message(f"Stopped everything: {', '.join(reverted) or 'no fault was active'}.")
            return reverted

    def add_note(self, text: str) -> Note:
        text = text.strip()
        if not text:
            raise ConsoleRequestError("A note needs some text.", field="text")
        with self.lock:
            note = Note(time.time(), text, sorted(self.faults.active))
            self.state.notes.append(note)
            self._changed()
            return note

    def request_end(self, reason: str) -> None:
        with self.lock:
            if self.state.end_requested is None:
                self.state.end_requested = reason
                self.state.ended_at = time.time()
                self.state.phase = "ending"
                self._changed()

    # -- reading (any thread) -----------------------------------------------------------------
    def state_json(self, series_last_s: float | None = None) -> dict[str, Any]:
        """The console's view; the whole series unless `series_last_s` limits it."""
        with self.lock:
            snapshot = dict(self.snapshot or self._build_snapshot())
            snapshot["series"] = self.series.rows(self.recorder.observations, series_last_s)
            snapshot["now"] = time.time()
            return snapshot

    # -- the exercise (main thread) -----------------------------------------------------------
    def run(
        self,
        start_console: Callable[[GameDay], Any],
        finish: Callable[[GameDay, str | None, str | None], Any],
    ) -> Any:
        """Bring the system up, serve the console, follow the exercise until it is ended (the
        console, Ctrl-C, a guardrail), then revert, stop and tear down whatever happened, and
        hand over to `finish` (the verdict, the journal, the report)."""
        preflight(self.platform_name, self.system, set())
        leftovers = clean_orphans()
        if leftovers.ledgers:
            self.on_message(f"Cleaned up after {leftovers.ledgers} earlier run(s).")
        self.run_dir = self.options.out_dir or new_run_dir(f"gameday-{self.system.name}")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        ledger = Ledger(self.run_dir.name, self.run_dir)
        self.platform = make_platform(
            self.platform_name,
            self.system,
            self.run_dir,
            ledger,
            self.options,
            self.on_message,
            # any fault may be picked in an exercise, an HTTP one on any edge that speaks HTTP
            # (a Redis edge in HTTP mode would answer its client's first bytes with a 400)
            http_edges=http_servable(self.system, {edge.name for edge in self.system.edges()}),
            split=self.split,
        )
        self.platform.add_listener(self._on_platform_event)
        parts = RunParts()
        console = None
        error: str | None = None
        with handling_stop_signals() as stops:
            try:
                console = start_console(self)
                self.context = bring_up(
                    self.platform,
                    self.system,
                    self.scenario,
                    self.seed,
                    self.run_dir,
                    ledger,
                    self.recorder,
                    parts,
                    ready_timeout_s=self.options.ready_timeout_s,
                    timings_s=self.timings_s,
                    on_message=self.on_message,
                )
                self._follow()
            except KeyboardInterrupt as interrupt:
                name = interrupt.args[0] if interrupt.args else "SIGINT"
                self.request_end(f"interrupted ({name})")
            except FirebreakError as exc:
                error = str(exc)
                self.request_end(f"error: {exc}")
            finally:
                with stops.shielded(raise_after=False):
                    self.stop_everything()
                    parts.stop(self.recorder.observations)
                    self.platform.teardown()
                    ledger.close()
            with stops.shielded(raise_after=False):
                result = finish(self, error, self.platform.toxiproxy_version or "")
                if console is not None:
                    console.stop()
        return result

    def _follow(self) -> None:
        with self.lock:
            self.state.load_started_at = time.time()
            self.state.phase = "warmup"
        last_snapshot, seen = 0.0, self._data_seen()
        while True:
            now = time.time()
            with self.lock:
                if self.state.end_requested is not None:
                    return
                self._tick(now)
                # a new second of load or of metrics is shown at once, not at the next beat
                if now - last_snapshot >= SNAPSHOT_EVERY_S or self._data_seen() != seen:
                    self._changed()
                    last_snapshot, seen = now, self._data_seen()
            time.sleep(TICK_S)

    def _data_seen(self) -> tuple[int, int]:
        obs = self.recorder.observations
        return len(obs.front_door), sum(len(points) for points in obs.services.values())

    def _tick(self, now: float) -> None:
        phases = self.phases(now)
        obs = self.recorder.observations
        obs.phases = [PhaseSpan(n, s, e) for n, s, e in phase_spans(phases, self.state.steps)]
        if self.state.phase in ("warmup", "baseline", "exercise"):
            self.state.phase = (
                "warmup"
                if now < phases.baseline_start
                else "baseline"
                if now < phases.baseline_ready_at and not self.state.steps
                else "exercise"
            )
        for step in self.state.steps:
            if step.reverted_at is None:
                timed_out = step.ends_at is not None and now >= step.ends_at
                if timed_out or (step.instantaneous and self._replaced(step, now)):
                    self._close_step(step)
            elif not settled(step.outcome):
                step.outcome = self._judge(step)
        reason = tripped_guardrail(list(self.scenario.guardrails), obs.front_door[-30:])
        if reason is not None and self.state.guardrail is None and self.faults.active:
            self.state.guardrail = reason
            self.on_message(f"Guardrail: {reason}. Reverting every fault and ending.")
            self.recorder.on_event(RunEvent(now, "guardrail", "aborted", "guardrail", [], reason))
            self.stop_everything()
            self.request_end(f"guardrail: {reason}")

    def phases(self, now: float) -> ExercisePhases:
        started = self.state.load_started_at or now
        return ExercisePhases(
            started, self.scenario.phases.warmup_s, self.scenario.phases.baseline_s, now
        )

    # -- inside -------------------------------------------------------------------------------
    def _check_open_for_faults(self) -> None:
        if self.state.end_requested is not None or self.context is None:
            raise ConsoleConflict(
                "The exercise is not running"
                + (f" ({self.state.end_requested})" if self.state.end_requested else "")
                + "; expected a running exercise."
            )
        phases = self.phases(time.time())
        left_s = phases.baseline_ready_at - time.time()
        if not self.state.steps and left_s > 0:
            raise ConsoleConflict(
                f"The baseline is still being measured ({left_s:.0f} s left): every step is "
                "judged against it, so the first fault waits for it."
            )

    def _open_for_faults(self, now: float) -> bool:
        return (
            self.state.end_requested is None
            and self.context is not None
            and (bool(self.state.steps) or now >= self.phases(now).baseline_ready_at)
        )

    def _step(self, name: str) -> Step:
        for step in self.state.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def _close_step(self, step: Step) -> None:
        self._record_faults_asked_at(time.time())
        try:
            self.faults.revert(step.name)
        finally:
            window = self.faults.windows.get(step.name)
            step.reverted_at = (window.reverted_at if window else None) or time.time()
            self._changed()

    def _replaced(self, step: Step, now: float) -> bool:
        assert self.platform is not None
        if now - step.applied_at > REPLACED_KILL_CLOSE_AFTER_S:
            return True
        if now - step.applied_at < 1.0:
            return False
        states = {i.id: i.state for i in self.platform.instances()}
        return all(states.get(instance) == "running" for instance in step.targets)

    def _judge(self, step: Step) -> dict[str, Any]:
        window = self.faults.windows.get(step.name)
        if window is None:
            return {"verdict": "no evidence", "summary": "The fault never started."}
        obs, expect = self.recorder.observations, self.scenario.expect
        return judge_step(obs, step, window, self.system.entrypoint, expect, self.split)

    def _record_faults_asked_at(self, asked_t: float) -> None:
        """The faults' own apply and revert events go to the journal, as in a scenario run,
        their confirmation timed from the moment the console (or the clock) asked."""
        if self.context is not None:
            self.context.on_event = lambda event: self.recorder.on_fault_event(event, asked_t)

    def _on_platform_event(self, event: Any) -> None:
        self.recorder.on_platform_event(event)
        with self.lock:
            self._changed()

    def _changed(self) -> None:
        self.snapshot = self._build_snapshot()
        self.version += 1

    def _build_snapshot(self) -> dict[str, Any]:
        now = time.time()
        obs = self.recorder.observations
        active = [self.faults.windows[n] for n in self.faults.active if n in self.faults.windows]
        promises = resolve_promises(obs, self.scenario.expect.promises, self.system.entrypoint)
        return {
            "system": self.system_view,
            "palette": self.palette,
            "targets": self.targets,
            "phase": self.state.phase,
            "platform": self.platform_name,
            "started_at": self.state.load_started_at or self.started_at,
            "baseline_ready_at": self.phases(now).baseline_ready_at
            if self.state.load_started_at
            else None,
            "can_inject": self._open_for_faults(now),
            "ended_at": self.state.ended_at,
            "faults": [s.to_json() for s in self.state.steps],
            "services": live_view.service_states(
                obs, self.system, active, now, self.scenario.expect.tolerance, promises
            ),
            "breakers": live_view.breaker_states(obs, self.system),
            "instances": live_view.instance_rows(self.platform.instances())
            if self.platform is not None and self.state.load_started_at
            else [],
            "notes": [vars(n) for n in self.state.notes],
            "guardrail": {"reason": self.state.guardrail} if self.state.guardrail else None,
            "ended": self.state.ended,
        }
