"""`down`: the edge's proxy is disabled — new connections are refused, open ones are dropped."""

from __future__ import annotations

from harness.faults.base import TargetedFault
from harness.ledger import LedgerToxic


class DownFault(TargetedFault):
    cuts = True  # a disabled proxy refuses every connection

    def _apply_one(self, edge_name: str) -> LedgerToxic:
        proxy = self.ctx.system.edge(edge_name).proxy_name
        entry = LedgerToxic(self.ctx.toxiproxy.address, proxy, "", kind="down")
        if self.ctx.ledger is not None:
            self.ctx.ledger.add_fault(entry)
        self.ctx.toxiproxy.set_enabled(proxy, False)
        return entry

    def _revert_one(self, entry: LedgerToxic) -> None:
        self.ctx.toxiproxy.set_enabled(entry.proxy, True)
        if self.ctx.ledger is not None:
            self.ctx.ledger.remove_fault(entry)

    def describe(self) -> str:
        return "down (proxy disabled) on " + ", ".join(self.targets)
