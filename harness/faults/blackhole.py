"""`timeout`: data stops flowing; the connection closes after `timeout_ms` (0 = never: a
blackhole until the fault is reverted)."""

from harness.faults.toxic import ToxicFault


class TimeoutFault(ToxicFault):
    toxic_type = "timeout"
    drops_everything = True

    def attributes(self) -> dict[str, int]:
        return {"timeout": int(self.spec.timeout_ms)}
