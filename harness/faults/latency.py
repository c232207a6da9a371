"""`latency`: delay every chunk by `latency_ms` ± `jitter_ms` — a slow dependency."""

from harness.faults.toxic import ToxicFault


class LatencyFault(ToxicFault):
    toxic_type = "latency"

    def attributes(self) -> dict[str, int]:
        return {"latency": int(self.spec.latency_ms), "jitter": int(self.spec.jitter_ms)}
