"""`bandwidth`: squeeze the edge to `rate_kbps` KB/s — a saturated link."""

from harness.faults.toxic import ToxicFault


class BandwidthFault(ToxicFault):
    toxic_type = "bandwidth"

    def attributes(self) -> dict[str, int]:
        return {"rate": int(self.spec.rate_kbps)}
