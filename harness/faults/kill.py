"""`kill`: SIGKILL (or the platform's equivalent) for the chosen instances.

With `replace: true` the platform's supervisor replaces them, as a replication controller would;
with `replace: false` they stay down until the fault is reverted (a scale-down, then restore).
"""

from __future__ import annotations

from typing import Any

from harness.faults.base import FaultContext, FaultEvent, now_s


class KillFault:
    def __init__(self, name: str, spec: Any, targets: tuple[str, ...], ctx: FaultContext) -> None:
        self.name = name
        self.spec = spec
        self.targets = targets  # instance ids
        self.ctx = ctx
        self.fault_type = "kill"
        self.replace = bool(getattr(spec, "replace", True))
        self._killed: list[str] = []

    def apply(self) -> None:
        started = now_s()
        for instance_id in self.targets:
            self.ctx.platform.kill(instance_id, replace=self.replace)
            self._killed.append(instance_id)
        self.ctx.on_event(
            FaultEvent(
                started, now_s(), "applied", self.name, "kill", self.targets, self.describe()
            )
        )

    def revert(self) -> None:
        # a replaced instance comes back by itself; one killed for good is restored now
        started = now_s()
        if not self.replace:
            for instance_id in self._killed:
                self.ctx.platform.restore(instance_id)
        self._killed.clear()
        self.ctx.on_event(FaultEvent(started, now_s(), "reverted", self.name, "kill", self.targets))

    def describe(self) -> str:
        how = "replaced by the supervisor" if self.replace else "not replaced until reverted"
        return f"kill {', '.join(self.targets)} ({how})"
