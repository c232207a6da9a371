"""`slow_close`: hold each connection open `delay_ms` after the peer closed it."""

from harness.faults.toxic import ToxicFault


class SlowCloseFault(ToxicFault):
    toxic_type = "slow_close"

    def attributes(self) -> dict[str, int]:
        return {"delay": int(self.spec.delay_ms)}
