"""The scenario runner: warm-up → baseline → faults → recovery → verify, and always teardown.

The runner holds the phases and nothing else: the platform runs the system, the faults inject,
the load child drives traffic, the scraper and recorder observe, the checks judge, the journal
keeps it all. Whatever happens (a failed check, an exception, Ctrl-C, SIGTERM, a guardrail) every
fault is reverted first, then the load stops, then the system is torn down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.bring_up import bring_up, watch
from harness.checks.base import OUTCOME_EXIT_CODES
from harness.checks.evaluate import judge_run
from harness.checks.traffic import bypass_warnings
from harness.cleanup import clean_orphans
from harness.errors import FirebreakError
from harness.fault_book import FaultBook
from harness.faults.base import FaultContext
from harness.guardrails import tripped_guardrail
from harness.ledger import Ledger
from harness.observe.reconcile import collect_writes, integrity_wanted
from harness.observe.series import PhaseSpan, RunEvent, RunRecorder
from harness.platforms.base import Platform
from harness.platforms.factory import make_platform, preflight
from harness.reports.journal_builder import build_journal
from harness.run_files import new_run_dir
from harness.run_model import Progress, RunInterrupted, RunOptions, RunResult
from harness.run_parts import RunParts
from harness.run_reports import import_reports_in_background, render_reports
from harness.scenario import Scenario
from harness.source_revision import source_json
from harness.split_plan import SplitPlan, plan_split, refuse_split_on
from harness.split_stop import stopper_for
from harness.stop_signals import handling_stop_signals
from harness.system import SystemSpec
from harness.timeline import REVERT, Timeline, TimelineEvent, plan
from harness.traces.collect import collect_traces, platform_edge_urls

if TYPE_CHECKING:
    from harness.gate.deployment import SharedDeployment

__all__ = ["Progress", "RunInterrupted", "RunOptions", "RunResult", "ScenarioRunner"]

TICK_S = 0.1


class GuardrailTripped(Exception):
    pass


class ScenarioRunner:
    def __init__(
        self,
        scenario: Scenario,
        system: SystemSpec,
        options: RunOptions | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options or RunOptions()
        self.source_scenario = scenario
        self.scenario = scenario.scaled(self.options.time_scale)
        self.system = system
        self.on_progress = on_progress or (lambda progress: None)
        self.on_message = on_message or (lambda message: None)
        self.seed = self.scenario.seed if self.options.seed is None else self.options.seed
        self.timeline: Timeline = plan(self.scenario, system, self.seed)
        # a split run's arms, decided before anything starts (a fault that leaves no control
        # is bad input)
        split_asked = self.options.split or self.scenario.split
        self.platform_name = self.options.platform or self.scenario.platform
        self.split: SplitPlan | None = plan_split(system, self.timeline) if split_asked else None
        if self.split is not None:
            refuse_split_on(self.platform_name, system, self.split)
        self.stopper = (
            stopper_for(self.split, self.scenario.expect, system.entrypoint)
            if self.options.stop_when_decided
            else None
        )
        self.saved_s = 0.0  # how much shorter the run got when its faults ended once decided
        self.recorder = RunRecorder.for_split(self.split)
        self.faults = FaultBook(system, self.recorder.observations)
        self.timings_s: dict[str, float] = {}  # where the harness's own time went
        # the system folder's git revision, read when the run starts (harness/source_revision.py)
        self.source: dict[str, Any] | None = None

    # -- wiring -------------------------------------------------------------------------------
    def _make_platform(self, run_dir: Path, ledger: Ledger) -> Platform:
        return make_platform(
            self.platform_name,
            self.system,
            run_dir,
            ledger,
            self.options,
            self.on_message,
            http_edges=self.timeline.http_edges(self.system),
            balanced_edges=self.timeline.faulted_edges(self.system),
            split=self.split,
        )

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Deploy, load, follow the timeline, judge. Whatever happens the faults are reverted
        and everything is torn down; a stop signal (or Ctrl-C) then propagates as
        `RunInterrupted`, carrying the result of the run as far as it went."""
        # bad input: exit 2 before anything starts
        preflight(self.platform_name, self.system, {f.type for f in self.scenario.faults})
        leftovers = clean_orphans()
        if leftovers.ledgers:
            self.on_message(
                f"Cleaned up after {leftovers.ledgers} earlier run(s) that did not end cleanly."
            )
        run_dir = self.options.out_dir or new_run_dir(f"run-{self.scenario.name}")
        run_dir.mkdir(parents=True, exist_ok=True)
        ledger = Ledger(run_dir.name, run_dir)
        started_at = time.time()
        # read before the run, not after: a checkout that moves during a long run must not
        # relabel what ran
        self.source = source_json(self.system.folder)
        platform = self._make_platform(run_dir, ledger)
        platform.add_listener(self.recorder.on_platform_event)
        parts = RunParts()
        aborted_reason: str | None = None
        error: str | None = None
        with handling_stop_signals() as stops:
            try:
                aborted_reason = self._deploy_and_follow(platform, ledger, run_dir, parts)
            except KeyboardInterrupt as interrupt:
                name = interrupt.args[0] if interrupt.args else "SIGINT"
                aborted_reason = f"interrupted ({name})"
                self.on_message(f"Run {aborted_reason}: reverting faults and tearing down.")
                # judged over what it saw: phases it never reached are not "no evidence"
                self._cut_phases_at(time.time())
            except FirebreakError as exc:
                error = str(exc)
            finally:
                with stops.shielded(raise_after=False):
                    self._revert_all()
                    parts.stop(self.recorder.observations)
                    self._read_traces(platform, run_dir)
                    toxiproxy_version = platform.toxiproxy_version or ""
                    # which images ran (Docker): the journal names them exactly
                    self.images_ran = dict(getattr(platform, "images", {}))
                    phase_started = time.monotonic()
                    platform.teardown()
                    ledger.close()
                    self.timings_s["teardown"] = time.monotonic() - phase_started
            with stops.shielded(raise_after=False):
                result = self._finish(run_dir, started_at, aborted_reason, error, toxiproxy_version)
            interrupted = stops.received or _interrupted(aborted_reason)
        if interrupted:
            raise RunInterrupted(result)
        return result

    def _deploy_and_follow(
        self, platform: Platform, ledger: Ledger, run_dir: Path, parts: RunParts
    ) -> str | None:
        """Everything up to the verdict; returns why the run was aborted, if a guardrail did."""
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

        def read_writes() -> None:
            observations = self.recorder.observations
            observations.integrity, observations.reconciliation = collect_writes(
                platform, self.system, run_dir / "accepted-orders.txt"
            )

        return self._follow(context, parts, read_writes)

    def _follow(
        self, context: FaultContext, parts: RunParts, read_writes: Callable[[], None]
    ) -> str | None:
        """The timeline on a system that is up and loaded, then every fault reverted, the load
        stopped and (where integrity is judged and the run was not aborted) the writes read by
        `read_writes`; returns why the run was aborted, if a guardrail did."""
        if self.options.render_reports:
            # matplotlib takes a while to import: do it now, while the run mostly waits
            import_reports_in_background()
        run_start = time.time()
        aborted_reason = None
        try:
            self._follow_timeline(run_start, context)
            self.timings_s["scenario"] = time.time() - run_start
        except GuardrailTripped as tripped:
            aborted_reason = str(tripped)
            self.on_message(f"Aborting: {aborted_reason}. Reverting every fault now.")
            self.recorder.on_event(
                RunEvent(time.time(), "guardrail", "aborted", "guardrail", [], aborted_reason)
            )
            self._cut_phases_at(time.time())
        self._revert_all()
        parts.stop(self.recorder.observations)
        if integrity_wanted(self.scenario.expect.integrity, self.system) and not aborted_reason:
            read_writes()
        return aborted_reason

    def run_on(self, shared: SharedDeployment, run_dir: Path) -> RunResult:
        """This scenario on a deployment a gate holds (harness/gate/): its own load, observers,
        timeline and verdict in `run_dir`; nothing deployed or torn down here. Whatever happens
        its faults are reverted and its load stopped before it returns; a stop signal then
        propagates as `RunInterrupted`, as from `run`."""
        run_dir.mkdir(parents=True, exist_ok=True)
        started_at = time.time()
        self.source = shared.source
        platform = shared.platform
        shared.follow_events(self.recorder.on_platform_event)
        parts = RunParts()
        aborted_reason: str | None = None
        error: str | None = None
        with handling_stop_signals() as stops:
            try:
                watch(
                    platform,
                    self.system,
                    self.scenario,
                    self.seed,
                    run_dir,
                    shared.ledger,
                    self.recorder,
                    parts,
                    self.timings_s,
                )
                aborted_reason = self._follow(
                    shared.context,
                    parts,
                    lambda: shared.collect_writes(run_dir, self.recorder.observations),
                )
            except KeyboardInterrupt as interrupt:
                name = interrupt.args[0] if interrupt.args else "SIGINT"
                aborted_reason = f"interrupted ({name})"
                self._cut_phases_at(time.time())
            except FirebreakError as exc:
                error = str(exc)
            finally:
                with stops.shielded(raise_after=False):
                    self._revert_all()
                    parts.stop(self.recorder.observations)
                    self._read_traces(platform, run_dir)
                    self.images_ran = dict(getattr(platform, "images", {}))
            with stops.shielded(raise_after=False):
                result = self._finish(
                    run_dir, started_at, aborted_reason, error, platform.toxiproxy_version or ""
                )
            interrupted = stops.received or _interrupted(aborted_reason)
        if interrupted:
            raise RunInterrupted(result)
        return result

    def _read_traces(self, platform: Platform, run_dir: Path) -> None:
        """A traced run's traces, read while its Jaeger still runs (harness/traces/)."""
        store = getattr(platform, "trace_store", None)
        if store is None or not self.recorder.observations.phases:
            return
        started = time.monotonic()
        try:
            collect_traces(
                store,
                self.system,
                self.recorder.observations,
                platform_edge_urls(platform),
                run_dir.name,
                self.on_message,
            )
        except Exception as exc:
            # reading is evidence, not the run: it must never keep the system from going
            self.recorder.observations.traces = {"error": f"{type(exc).__name__}: {exc}"}
            self.on_message(f"Warning: the run's traces could not be read: {exc}")
        self.timings_s["traces"] = time.monotonic() - started

    def _follow_timeline(self, run_start: float, context: FaultContext) -> None:
        phases = self.timeline.phases
        self.recorder.observations.phases = [
            PhaseSpan(p.name, run_start + p.start_s, run_start + p.end_s) for p in phases
        ]
        pending = list(self.timeline.events)
        end_t = run_start + self.timeline.total_s
        last_progress = 0.0
        baseline = self.timeline.phase("baseline")
        bypass_checked = False
        while True:
            now = time.time()
            if not bypass_checked and now >= run_start + baseline.end_s + 1.0:
                # the edges' counts for the baseline's last second land a second after it
                bypass_checked = True
                self._warn_of_bypasses(run_start + baseline.start_s, run_start + baseline.end_s)
            while pending and run_start + pending[0].at_s <= now:
                self._act(pending.pop(0), run_start, context)
            if self.stopper is not None and not self.saved_s:
                self.saved_s = self.stopper.end_faults_if_decided(
                    self.recorder, pending, now, context, self.faults.revert, self.on_message
                )
                end_t -= self.saved_s
            reason = tripped_guardrail(
                list(self.scenario.guardrails), self.recorder.observations.front_door[-30:]
            )
            if reason is not None:
                raise GuardrailTripped(reason)
            if now - last_progress >= 0.5:
                self.on_progress(self._progress(now - run_start))
                last_progress = now
            if now >= end_t and not pending:
                return
            next_t = run_start + pending[0].at_s if pending else end_t
            time.sleep(max(0.0, min(TICK_S, next_t - time.time())))

    def _warn_of_bypasses(self, start: float, end: float) -> None:
        """Say at once, not only in the report, that a declared edge carried nothing while its
        caller was busy: the faults about to be injected on it would test nothing."""
        observations = self.recorder.observations
        for warning in bypass_warnings(observations, self.system.entrypoint, start, end):
            self.on_message(f"Warning: {warning}")

    def _act(self, event: TimelineEvent, run_start: float, context: FaultContext) -> None:
        scheduled_t = run_start + event.at_s
        context.on_event = lambda fault: self.recorder.on_fault_event(fault, scheduled_t)
        if event.action == REVERT:
            self.faults.revert(event.fault_name)
            return
        edges = bool(event.targets.edges)
        targets = event.targets.edges or event.targets.instances
        self.faults.apply(event.fault_name, event.fault, targets, context, edges=edges)

    def _cut_phases_at(self, abort_t: float) -> None:
        """Phases end where the run did: none that had not started, the current one cut short."""
        phases = self.recorder.observations.phases
        phases[:] = [p for p in phases if p.start < abort_t]
        for phase in phases:
            phase.end = min(phase.end, abort_t)

    def _revert_all(self) -> None:
        self.faults.revert_all(self.on_message)

    def _progress(self, elapsed_s: float) -> Progress:
        phase = next(
            (p.name for p in self.recorder.observations.phases if p.start <= time.time() < p.end),
            "verify",
        )
        latest = self.recorder.latest_front_door()
        requests = latest.requests if latest else 0
        return Progress(
            phase=phase,
            elapsed_s=elapsed_s,
            total_s=self.timeline.total_s - self.saved_s,
            requests_per_s=float(requests),
            error_rate=(latest.failures / requests) if latest and requests else 0.0,
            degraded_rate=(latest.degraded / requests) if latest and requests else 0.0,
            active_faults=list(self.faults.active),
        )

    # -- verdict ------------------------------------------------------------------------------
    def _finish(
        self,
        run_dir: Path,
        started_at: float,
        aborted_reason: str | None,
        error: str | None,
        toxiproxy_version: str,
    ) -> RunResult:
        verdict_started = time.monotonic()
        obs = self.recorder.observations
        judgement = judge_run(
            obs,
            self.scenario.expect,
            self.system.entrypoint,
            aborted=aborted_reason is not None,
            error=error is not None,
            split=self.split,
        )
        outcome, checks = judgement.outcome, judgement.checks
        journal = build_journal(
            run_id=run_dir.name,
            started_at=started_at,
            outcome=outcome,
            scenario=self.scenario,
            seed=self.seed,
            platform=self.platform_name,
            time_scale=self.options.time_scale,
            toxiproxy_version=toxiproxy_version,
            system=self.system,
            timeline=self.timeline,
            observations=obs,
            propagation=judgement.propagation,
            checks=checks,
            error=error,
            abort_reason=aborted_reason,
            evidence=judgement.evidence,
            source=self.source,
        )
        if getattr(self, "images_ran", None):
            journal.system["images"] = self.images_ran
        verdict = journal.verdict
        journal_path = journal.write(run_dir / "journal.json")
        self.timings_s["verdict"] = time.monotonic() - verdict_started
        files = {"journal": "journal.json"}
        if self.options.render_reports:
            render_started = time.monotonic()
            files.update(render_reports(journal_path, journal, self.on_message))
            self.timings_s["render"] = time.monotonic() - render_started
        return RunResult(
            outcome=outcome,
            exit_code=OUTCOME_EXIT_CODES[outcome],
            run_dir=run_dir,
            journal_path=journal_path,
            verdict=verdict,
            checks=checks,
            files=files,
            error=error,
            timings_s=self.timings_s,
        )


def _interrupted(aborted_reason: str | None) -> str | None:
    """The interruption a run recorded as its reason to stop, which must propagate."""
    if aborted_reason and aborted_reason.startswith("interrupted"):
        return aborted_reason
    return None
