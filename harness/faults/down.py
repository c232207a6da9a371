"""`down`: the edge's proxy is disabled — new connections are refused, open ones are dropped."""

from __future__ import annotations

from typing import Any

from harness.faults.base import FaultContext, FaultEvent, now_s
from harness.ledger import LedgerToxic


class DownFault:
    def __init__(self, name: str, spec: Any, targets: tuple[str, ...], ctx: FaultContext) -> None:
        self.name = name
        self.spec = spec
        self.targets = targets
        self.ctx = ctx
        self.fault_type = "down"
        self._disabled: list[LedgerToxic] = []

    def apply(self) -> None:
        started = now_s()
        for edge_name in self.targets:
            proxy = self.ctx.system.edge(edge_name).proxy_name
            entry = LedgerToxic(self.ctx.toxiproxy.address, proxy, "", kind="down")
            if self.ctx.ledger is not None:
                self.ctx.ledger.add_fault(entry)
            self.ctx.toxiproxy.set_enabled(proxy, False)
            self._disabled.append(entry)
        self.ctx.on_event(
            FaultEvent(
                started, now_s(), "applied", self.name, "down", self.targets, self.describe()
            )
        )

    def revert(self) -> None:
        started = now_s()
        for entry in list(self._disabled):
            self.ctx.toxiproxy.set_enabled(entry.proxy, True)
            if self.ctx.ledger is not None:
                self.ctx.ledger.remove_fault(entry)
            self._disabled.remove(entry)
        self.ctx.on_event(FaultEvent(started, now_s(), "reverted", self.name, "down", self.targets))

    def describe(self) -> str:
        return "down (proxy disabled) on " + ", ".join(self.targets)
