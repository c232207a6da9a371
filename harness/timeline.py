"""The plan of a run: phase windows and fault events at offsets from the start, targets resolved.

Pure logic: nothing here touches a platform or Toxiproxy, so `firebreak plan` can print exactly
what a run will do, and the runner can follow the same timeline. Instances are picked with a
random generator seeded per fault from the run's seed, so a run repeats exactly, and adding a
fault to a scenario does not change which instances the other faults pick.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from harness.edge_protocol import http_servable
from harness.errors import ScenarioError
from harness.fault_targets import candidate_instances, edges_of_target
from harness.scenario import PHASE_NAMES, Scenario
from harness.scenario_faults import HTTP_MODE_FAULT_TYPES, FaultBase, InstanceFault
from harness.system import SystemSpec

APPLY = "apply"
REVERT = "revert"
EventAction = Literal["apply", "revert"]


@dataclass(frozen=True)
class PhaseWindow:
    """One phase, as offsets in seconds from the start of the run."""

    name: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class ResolvedTargets:
    """What a fault concretely hits: proxy edges (by edge name) or instance ids."""

    edges: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()

    def describe(self) -> str:
        return ", ".join(self.edges or self.instances)


@dataclass(frozen=True)
class TimelineEvent:
    """Apply or revert one fault at `at_s` seconds from the start of the run."""

    at_s: float
    action: EventAction
    fault_name: str
    fault_type: str
    targets: ResolvedTargets
    fault: FaultBase  # the fault's model, with its parameters (`latency_ms`...)
    fault_index: int  # its place in the scenario, to order events at the same time


@dataclass(frozen=True)
class Timeline:
    scenario_name: str
    seed: int
    phases: tuple[PhaseWindow, ...]
    events: tuple[TimelineEvent, ...]

    @property
    def total_s(self) -> float:
        return self.phases[-1].end_s if self.phases else 0.0

    def phase(self, name: str) -> PhaseWindow:
        for window in self.phases:
            if window.name == name:
                return window
        raise KeyError(f"There is no phase `{name}`; expected one of {', '.join(PHASE_NAMES)}.")

    def faulted_edges(self, system: SystemSpec) -> frozenset[str]:
        """Every edge a fault hits: its own, or those into the services whose instances it
        kills or freezes. The balancer must count these (a fault must be seen to touch
        traffic); on Docker and Kubernetes only these pass it."""
        edges: set[str] = set()
        for event in self.events:
            edges.update(event.targets.edges)
            for service in {instance.rsplit("-", 1)[0] for instance in event.targets.instances}:
                edges.update(edge.name for edge in system.edges_into(service))
        return frozenset(edges)

    def http_edges(self, system: SystemSpec) -> frozenset[str]:
        """The edges the platform serves in HTTP mode: those an HTTP or gRPC fault targets, and
        every edge a fault hits whose caller counts no attempts of its own, so that the balancer
        counts the requests reaching the failing dependency (retry amplification, judged from
        the edge), unless it speaks `tcp` (Redis, Postgres: HTTP mode would break them; their
        amplification is judged from the caller's counters or not at all). The rest stay TCP,
        with L4 semantics (a replica killed mid-request closes the connection, where an HTTP
        balancer would answer 502)."""
        edges = {
            edge
            for event in self.events
            if event.fault_type in HTTP_MODE_FAULT_TYPES
            for edge in event.targets.edges
        }
        return frozenset(edges | (self.faulted_edges(system) & uncounted_edges(system)))

    def targets_of(self, fault_name: str) -> ResolvedTargets:
        for event in self.events:
            if event.fault_name == fault_name:
                return event.targets
        raise KeyError(f"There is no fault `{fault_name}` in this timeline.")


def plan(scenario: Scenario, system: SystemSpec, seed: int | None = None) -> Timeline:
    """The timeline of `scenario` on `system`; `seed` overrides the scenario's own seed."""
    run_seed = scenario.seed if seed is None else seed
    phases = _phase_windows(scenario)
    faults_start_s = next(w.start_s for w in phases if w.name == "faults")
    events: list[TimelineEvent] = []
    for index, fault in enumerate(scenario.faults):
        assert fault.name is not None  # the scenario names every fault
        targets = resolve_targets(fault, system, run_seed)
        start_s = round(faults_start_s + fault.at_s, 6)
        events.append(_event(start_s, APPLY, fault, targets, index))
        # every fault is reverted, even a kill the platform replaces by itself (that revert
        # does nothing but close the fault's record at the end of the faults phase)
        end_s = round(faults_start_s + scenario.fault_end_s(fault), 6)
        events.append(_event(end_s, REVERT, fault, targets, index))
    # at one instant, reverts come first: a fault is gone before the next one arrives
    events.sort(key=lambda e: (e.at_s, e.action != REVERT, e.fault_index))
    return Timeline(scenario.name, run_seed, phases, tuple(events))


def _phase_windows(scenario: Scenario) -> tuple[PhaseWindow, ...]:
    windows = []
    start_s = 0.0
    for name, length_s in scenario.phases.lengths_s().items():
        end_s = round(start_s + length_s, 6)
        windows.append(PhaseWindow(name, start_s, end_s))
        start_s = end_s
    return tuple(windows)


def _event(
    at_s: float, action: EventAction, fault: FaultBase, targets: ResolvedTargets, index: int
) -> TimelineEvent:
    assert fault.name is not None
    fault_type = str(getattr(fault, "type", ""))
    return TimelineEvent(at_s, action, fault.name, fault_type, targets, fault, index)


def resolve_targets(fault: FaultBase, system: SystemSpec, seed: int) -> ResolvedTargets:
    """The concrete edges or instances `fault` hits; instances picked with the seed."""
    target = getattr(fault, "target", None)
    try:
        if isinstance(fault, InstanceFault):
            candidates, how_many = candidate_instances(system, fault.target)
            if how_many == len(candidates):
                return ResolvedTargets(instances=tuple(candidates))
            # a string seed is hashed with SHA-512 by `random`, the same in every process
            picker = random.Random(f"{seed}/{fault.name}")
            picked = picker.sample(candidates, how_many)
            return ResolvedTargets(instances=tuple(sorted(picked, key=candidates.index)))
        edges = edges_of_target(system, target)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ScenarioError(str(exc), field=f"faults.{fault.name}.target") from None
    return ResolvedTargets(edges=tuple(edge.name for edge in edges))


def uncounted_edges(system: SystemSpec) -> frozenset[str]:
    """The edges whose caller counts no attempts of its own: a fault on one is judged for
    retry amplification from the requests its balancer counts, so it is served in HTTP mode;
    never a `tcp` edge, whose requests HAProxy cannot count without breaking them."""
    return http_servable(
        system,
        {
            edge.name
            for edge in system.edges()
            if edge.caller in system.services and not system.services[edge.caller].counts_attempts()
        },
    )
