"""`pause`: freeze the chosen instances (SIGSTOP, container pause); they keep their share of
connections and answer none — a hung process, not a dead one — until resumed."""

from __future__ import annotations

from harness.faults.base import TargetedFault, every_instance


class PauseFault(TargetedFault):
    @property
    def cuts(self) -> bool:
        return every_instance(self.ctx.system, self.targets)

    def _apply_one(self, instance_id: str) -> str:
        self.ctx.platform.pause(instance_id)
        return instance_id

    def _revert_one(self, instance_id: str) -> None:
        self.ctx.platform.resume(instance_id)

    def describe(self) -> str:
        return f"pause {', '.join(self.targets)} (frozen, then resumed)"
