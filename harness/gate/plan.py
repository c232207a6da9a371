"""Which scenarios of a gate can share one deployment.

Scenarios share a deployment when nothing about the deployment would differ between their own
runs: the same system file, the same platform, and the same edges served in HTTP mode (an HTTP
fault or a counted edge makes the balancer speak HTTP there, which changes what a killed replica
looks like to its callers) and, on a container platform, the same edges passing the balancer (the
other edges go straight to the callee, one hop fewer). Any difference gets a deployment of its
own, so each scenario runs on exactly the deployment its own `firebreak run` would make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import InputError
from harness.scenario import Scenario, load_scenario_and_system
from harness.system import SystemSpec
from harness.timeline import Timeline, plan


@dataclass
class GateEntry:
    path: Path
    scenario: Scenario  # as written (the runner scales it)
    system: SystemSpec
    seed: int
    timeline: Timeline
    time_scale: float | None = None  # None: the gate's own

    @property
    def name(self) -> str:
        return self.scenario.name


@dataclass
class DeploymentGroup:
    """Scenarios run one after another on one deployment of `system`."""

    system: SystemSpec
    platform: str
    http_edges: frozenset[str]
    balanced_edges: frozenset[str] | None
    entries: list[GateEntry] = field(default_factory=list)

    @property
    def fault_types(self) -> set[str]:
        return {f.type for entry in self.entries for f in entry.scenario.faults}


def read_entries(paths: list[Path], seed: int | None = None) -> list[GateEntry]:
    """Every scenario read and checked before anything starts (bad input: exit 2, nothing run);
    a scenario named twice is refused, since its folders would collide."""
    entries: list[GateEntry] = []
    seen: dict[str, Path] = {}
    for path in paths:
        scenario, system = load_scenario_and_system(path)
        if scenario.split:
            # its arms are a deployment of their own (a control proxy, replicas divided)
            raise InputError(
                f"`{scenario.name}` is a split run, which `firebreak gate` does not run yet; "
                "run it with `firebreak run`.",
                path=str(path),
                field="split",
            )
        if scenario.name in seen:
            raise InputError(
                f"The scenario `{scenario.name}` is given twice ({seen[scenario.name]} and "
                f"{path}); expected each scenario once in a gate.",
                path=str(path),
                field="name",
            )
        seen[scenario.name] = path
        chosen_seed = scenario.seed if seed is None else seed
        entries.append(
            GateEntry(path, scenario, system, chosen_seed, plan(scenario, system, chosen_seed))
        )
    return entries


def group_entries(entries: list[GateEntry], platform: str | None) -> list[DeploymentGroup]:
    """Entries grouped by the deployment each needs, in the order first given."""
    groups: dict[tuple[object, ...], DeploymentGroup] = {}
    for entry in entries:
        platform_name = platform or entry.scenario.platform
        http_edges = entry.timeline.http_edges(entry.system)
        # the local platform's balancer is on every edge; the container platforms' only on
        # the edges a scenario faults (and its HTTP edges)
        balanced = (
            None
            if platform_name == "local"
            else frozenset(entry.timeline.faulted_edges(entry.system))
        )
        key = (entry.system.path, platform_name, http_edges, balanced)
        group = groups.get(key)
        if group is None:
            group = groups[key] = DeploymentGroup(entry.system, platform_name, http_edges, balanced)
        group.entries.append(entry)
    return list(groups.values())
