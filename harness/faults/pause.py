"""`pause`: freeze the chosen instances (SIGSTOP, container pause); they keep their share of
connections and answer none — a hung process, not a dead one — until resumed."""

from __future__ import annotations

from typing import Any

from harness.faults.base import FaultContext, FaultEvent, now_s


class PauseFault:
    def __init__(self, name: str, spec: Any, targets: tuple[str, ...], ctx: FaultContext) -> None:
        self.name = name
        self.spec = spec
        self.targets = targets
        self.ctx = ctx
        self.fault_type = "pause"
        self._paused: list[str] = []

    def apply(self) -> None:
        started = now_s()
        for instance_id in self.targets:
            self.ctx.platform.pause(instance_id)
            self._paused.append(instance_id)
        self.ctx.on_event(
            FaultEvent(
                started, now_s(), "applied", self.name, "pause", self.targets, self.describe()
            )
        )

    def revert(self) -> None:
        started = now_s()
        for instance_id in list(self._paused):
            self.ctx.platform.resume(instance_id)
            self._paused.remove(instance_id)
        self.ctx.on_event(
            FaultEvent(started, now_s(), "reverted", self.name, "pause", self.targets)
        )

    def describe(self) -> str:
        return f"pause {', '.join(self.targets)} (frozen, then resumed)"
