"""The shared mechanics of every Toxiproxy toxic fault: one toxic per target edge's proxy."""

from __future__ import annotations

from typing import Any

from harness.faults.base import FaultContext, FaultEvent, now_s
from harness.faults.toxiproxy import ToxicInfo
from harness.ledger import LedgerToxic


class ToxicFault:
    """A toxic of `toxic_type` with `attributes` on every target edge; subclasses say which."""

    toxic_type = ""

    def __init__(self, name: str, spec: Any, targets: tuple[str, ...], ctx: FaultContext) -> None:
        self.name = name
        self.spec = spec
        self.targets = targets  # edge names
        self.ctx = ctx
        self._applied: list[LedgerToxic] = []

    @property
    def fault_type(self) -> str:
        return str(self.spec.type)

    def attributes(self) -> dict[str, Any]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def toxic(self) -> ToxicInfo:
        return ToxicInfo(
            name=f"firebreak-{self.name}",
            type=self.toxic_type,
            stream=getattr(self.spec, "stream", "downstream"),
            toxicity=float(getattr(self.spec, "toxicity", 1.0)),
            attributes=self.attributes(),
        )

    def apply(self) -> None:
        started = now_s()
        toxic = self.toxic()
        for edge_name in self.targets:
            proxy = self.ctx.system.edge(edge_name).proxy_name
            entry = LedgerToxic(self.ctx.toxiproxy.address, proxy, toxic.name)
            if self.ctx.ledger is not None:
                self.ctx.ledger.add_fault(entry)  # before: a crash right after still cleans up
            self.ctx.toxiproxy.add_toxic(proxy, toxic)
            self._applied.append(entry)
        self.ctx.on_event(
            FaultEvent(
                started,
                now_s(),
                "applied",
                self.name,
                self.fault_type,
                self.targets,
                self.describe(),
            )
        )

    def revert(self) -> None:
        started = now_s()
        for entry in list(self._applied):
            self.ctx.toxiproxy.remove_toxic(entry.proxy, entry.toxic)
            if self.ctx.ledger is not None:
                self.ctx.ledger.remove_fault(entry)
            self._applied.remove(entry)
        self.ctx.on_event(
            FaultEvent(started, now_s(), "reverted", self.name, self.fault_type, self.targets)
        )

    def describe(self) -> str:
        attributes = ", ".join(f"{k}={v}" for k, v in self.attributes().items())
        stream = getattr(self.spec, "stream", "downstream")
        toxicity = float(getattr(self.spec, "toxicity", 1.0))
        share = "" if toxicity >= 1.0 else f", {toxicity:.0%} of connections"
        return f"{self.toxic_type} ({attributes}; {stream}{share}) on " + ", ".join(self.targets)
