"""`limit_data`: close each connection after `bytes` bytes — a truncated answer."""

from harness.faults.toxic import ToxicFault


class LimitDataFault(ToxicFault):
    toxic_type = "limit_data"

    def attributes(self) -> dict[str, int]:
        return {"bytes": int(self.spec.bytes)}
