"""`reset_peer`: connections are reset (TCP RST) after `timeout_ms`."""

from harness.faults.toxic import ToxicFault


class ResetPeerFault(ToxicFault):
    toxic_type = "reset_peer"
    drops_everything = True

    def attributes(self) -> dict[str, int]:
        return {"timeout": int(self.spec.timeout_ms)}
