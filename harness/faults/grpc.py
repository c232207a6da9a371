"""`grpc_error`: a share of an edge's gRPC calls answered with a gRPC status by the edge's HTTP/2
frontend on the run's balancer, the callee never seeing them. It is an `http_error` in gRPC's
words (the same rules of `harness.balancer.http_rules`, the same counts of what a rule matched
and acted on): a "Trailers-Only" answer, HTTP/2 status 200 with `content-type:
application/grpc`, `grpc-status` and `grpc-message` in its one HEADERS frame, which ends the
stream. That is how a gRPC server itself answers a call it fails before any message, so every
gRPC client reads it as that status."""

from __future__ import annotations

from harness.balancer.http_rules import HttpFaultRule
from harness.faults.http import HttpFault

# the statuses that say the callee cannot serve (gRPC's mapping of 5xx and 429, in
# grpc/grpc doc/http-grpc-status-mapping.md): at 100 % on every call they cut the edge; the
# others (NOT_FOUND, PERMISSION_DENIED...) are answers about the call
CUTTING_CODES = frozenset({2, 4, 8, 12, 13, 14, 15})
# grpc-message is percent-encoded: bytes outside printable ASCII, and `%` itself
_PLAIN = frozenset(range(0x20, 0x7F)) - {ord("%")}


def percent_encoded(message: str) -> str:
    return "".join(
        chr(byte) if byte in _PLAIN else f"%{byte:02X}" for byte in message.encode("utf-8")
    )


def method_path(grpc_method: str | None) -> str:
    """The rule's path: a service's prefix as it is; one method exactly (`=` in front, which
    `http_faults.lua` reads as "this path only": `/a.B/Get` must not take `/a.B/GetAll`)."""
    if grpc_method is None:
        return ""
    return grpc_method if grpc_method.endswith("/") else "=" + grpc_method


class GrpcFault(HttpFault):
    @property
    def cuts(self) -> bool:
        spec = self.spec
        every_call = float(spec.percent) >= 100 and spec.grpc_method is None
        return every_call and int(spec.code) in CUTTING_CODES

    def rule(self) -> HttpFaultRule:
        spec = self.spec
        headers = {"content-type": "application/grpc", "grpc-status": str(int(spec.code))}
        if spec.message:
            headers["grpc-message"] = percent_encoded(spec.message)
        return HttpFaultRule(
            name=f"firebreak-{self.name}",
            kind="error",
            percent=float(spec.percent),
            path_prefix=method_path(spec.grpc_method),
            status=200,  # gRPC's answers are all HTTP 200: the status is `grpc-status`
            headers=headers,
        )

    def describe(self) -> str:
        spec = self.spec
        matching = spec.match_text()
        if float(spec.percent) < 100:
            calls = "calls" if matching == "every call" else matching
            matching = f"{float(spec.percent):g}% of {calls}"
        return f"grpc_error (answer {spec.code_name}; {matching}) on " + ", ".join(self.targets)
