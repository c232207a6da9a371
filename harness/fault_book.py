"""The faults a run has applied and not yet reverted, with the window each one actually ran in.

The one way faults are injected: a scenario's timeline and a game day's console both go through
`FaultBook.apply` and `revert`, so a fault from either is built by the same registry, recorded in
the same ledger by the fault itself, and judged from the same `FaultWindow`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from harness.errors import FirebreakError
from harness.faults.base import Fault, FaultContext
from harness.faults.registry import build_fault
from harness.observe.series import FaultWindow, Observations
from harness.scenario_faults import FaultBase
from harness.system import SystemSpec


def cut_edges(system: SystemSpec, fault: Fault, targets: tuple[str, ...], edges: bool) -> list[str]:
    """The edges a fault cuts totally (its `cuts`, a fault without one cuts nothing): its own
    edges, or for instances every edge into their service, since every caller loses them."""
    if not getattr(fault, "cuts", False):
        return []
    if edges:
        return list(targets)
    return [e.name for s in target_services(system, targets, edges) for e in system.edges_into(s)]


def target_services(system: SystemSpec, targets: tuple[str, ...], edges: bool) -> list[str]:
    """The services a fault's resolved targets stand for: an edge's callee, an instance's
    service."""
    if edges:
        return sorted({system.edge(name).callee for name in targets})
    return sorted({instance.rsplit("-", 1)[0] for instance in targets})


class FaultBook:
    def __init__(self, system: SystemSpec, observations: Observations) -> None:
        self.system = system
        self.observations = observations
        self.active: dict[str, Fault] = {}
        self.windows: dict[str, FaultWindow] = {}

    def apply(
        self,
        name: str,
        spec: FaultBase,
        targets: tuple[str, ...],
        context: FaultContext,
        *,
        edges: bool,
    ) -> FaultWindow:
        """Build the fault from the registry, open its window, apply it. The window is recorded
        before the fault acts, so a fault that fails half-way is still judged and reverted."""
        fault_type = str(getattr(spec, "type", ""))
        fault = build_fault(name, spec, targets, context)
        self.active[name] = fault
        window = FaultWindow(
            name=name,
            fault_type=fault_type,
            targets=list(targets),
            target_services=target_services(self.system, targets, edges),
            applied_at=time.time(),
            reverted_at=None,
            description=fault.describe(),
            replaced=fault_type == "kill" and bool(getattr(spec, "replace", False)),
            cut_edges=cut_edges(self.system, fault, targets, edges),
        )
        self.windows[name] = window
        self.observations.faults.append(window)
        fault.apply()
        return window

    def revert(self, name: str) -> bool:
        """Revert one fault; False when it was not active."""
        fault = self.active.pop(name, None)
        if fault is None:
            return False
        fault.revert()
        self.windows[name].reverted_at = time.time()
        self.windows[name].rule_hits = dict(getattr(fault, "rule_hits", {}))
        return True

    def revert_all(self, on_message: Callable[[str], None]) -> list[str]:
        """Every active fault, newest first (so compound faults unwind in reverse order); one
        that cannot be reverted is named and left in the ledger for `cleanup`."""
        reverted = []
        for name in reversed(list(self.active)):
            fault = self.active.pop(name)
            try:
                fault.revert()
            except FirebreakError as exc:
                on_message(f"Could not revert `{name}`: {exc} (the ledger still holds it).")
                continue
            if name in self.windows:
                self.windows[name].reverted_at = time.time()
                self.windows[name].rule_hits = dict(getattr(fault, "rule_hits", {}))
            reverted.append(name)
        return reverted
