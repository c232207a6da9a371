"""The shared mechanics of every Toxiproxy toxic fault: one toxic per target edge's proxy."""

from __future__ import annotations

from typing import Any

from harness.faults.base import TargetedFault
from harness.faults.toxiproxy import ToxicInfo
from harness.ledger import LedgerToxic


class ToxicFault(TargetedFault):
    """A toxic of `toxic_type` with `attributes` on every target edge; subclasses say which."""

    toxic_type = ""

    def attributes(self) -> dict[str, Any]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    # toxics that let no byte through on the connections they hold (Toxiproxy's `timeout` drops
    # the data and closes after `timeout` ms, or never; `reset_peer` swallows the first chunk and
    # resets): with every connection held, the edge is cut whatever the stream or the timeout
    drops_everything = False

    @property
    def cuts(self) -> bool:
        return self.drops_everything and float(getattr(self.spec, "toxicity", 1.0)) >= 1.0

    def toxic(self) -> ToxicInfo:
        return ToxicInfo(
            name=f"firebreak-{self.name}",
            type=self.toxic_type,
            stream=getattr(self.spec, "stream", "downstream"),
            toxicity=float(getattr(self.spec, "toxicity", 1.0)),
            attributes=self.attributes(),
        )

    def _apply_one(self, edge_name: str) -> LedgerToxic:
        proxy = self.ctx.system.edge(edge_name).proxy_name
        toxic = self.toxic()
        entry = LedgerToxic(self.ctx.toxiproxy.address, proxy, toxic.name)
        if self.ctx.ledger is not None:
            self.ctx.ledger.add_fault(entry)  # before: a crash right after still cleans up
        self.ctx.toxiproxy.add_toxic(proxy, toxic)
        return entry

    def _revert_one(self, entry: LedgerToxic) -> None:
        self.ctx.toxiproxy.remove_toxic(entry.proxy, entry.toxic)
        if self.ctx.ledger is not None:
            self.ctx.ledger.remove_fault(entry)

    def describe(self) -> str:
        attributes = ", ".join(f"{k}={v}" for k, v in self.attributes().items())
        stream = getattr(self.spec, "stream", "downstream")
        toxicity = float(getattr(self.spec, "toxicity", 1.0))
        share = "" if toxicity >= 1.0 else f", {toxicity:.0%} of connections"
        return f"{self.toxic_type} ({attributes}; {stream}{share}) on " + ", ".join(self.targets)
