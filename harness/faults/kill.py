"""`kill`: SIGKILL (or the platform's equivalent) for the chosen instances.

With `replace: true` the platform's supervisor replaces them, as a replication controller would;
with `replace: false` they stay down until the fault is reverted (a scale-down, then restore).
"""

from __future__ import annotations

from harness.faults.base import TargetedFault, every_instance


class KillFault(TargetedFault):
    @property
    def replace(self) -> bool:
        return bool(getattr(self.spec, "replace", True))

    @property
    def cuts(self) -> bool:
        # every instance, none replaced: nothing serves until the fault is reverted (a kill the
        # platform replaces is a moment, and its callers see the replacements within seconds)
        return not self.replace and every_instance(self.ctx.system, self.targets)

    def _apply_one(self, instance_id: str) -> str:
        self.ctx.platform.kill(instance_id, replace=self.replace)
        return instance_id

    def _revert_one(self, instance_id: str) -> None:
        # a replaced instance came back by itself; one killed for good is restored now
        if not self.replace:
            self.ctx.platform.restore(instance_id)

    def describe(self) -> str:
        how = "replaced by the supervisor" if self.replace else "not replaced until reverted"
        return f"kill {', '.join(self.targets)} ({how})"
