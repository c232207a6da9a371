"""Which faults an edge's protocol can take (harness/edge_protocol.py): an HTTP fault needs an
edge the balancer can serve in HTTP mode, `grpc_error` one that speaks gRPC. Checked when a
scenario is read against its system, so a mismatch exits 2 before anything is deployed."""

from __future__ import annotations

from harness.edge_protocol import edge_protocol
from harness.scenario_faults import GRPC_FAULT_TYPES, HTTP_FAULT_TYPES
from harness.system import SystemSpec

# the network faults that act on any TCP stream, whatever it carries
NETWORK_FAULTS_HINT = "`latency`, `timeout`, `reset_peer`, `bandwidth` or `down`"


def fault_protocol_problem(
    fault_type: str, fault_name: str, edge_names: list[str], system: SystemSpec
) -> str | None:
    """Why a fault of `fault_type` cannot act on one of `edge_names`, or None: an HTTP fault
    needs an edge that speaks HTTP or gRPC, `grpc_error` one that speaks gRPC."""
    for edge_name in edge_names:
        protocol = edge_protocol(system, edge_name)
        if fault_type in HTTP_FAULT_TYPES and protocol == "tcp":
            return (
                f"`{fault_name}` is an HTTP fault (`{fault_type}`), but `{edge_name}` speaks "
                "`tcp` (its address is not `http://`, and its dependency says no `protocol: "
                f"http` or `grpc`); expected a network fault such as {NETWORK_FAULTS_HINT} on "
                "this edge, or `protocol:` in system.yaml if it really speaks HTTP."
            )
        if fault_type in GRPC_FAULT_TYPES and protocol != "grpc":
            return (
                f"`{fault_name}` answers gRPC statuses (`{fault_type}`), but `{edge_name}` speaks "
                f"`{protocol}`; expected an edge whose dependency says `protocol: grpc` in "
                "system.yaml"
                + (
                    ", or `http_error` for an HTTP status"
                    if protocol == "http"
                    else f", or a network fault such as {NETWORK_FAULTS_HINT}"
                )
                + "."
            )
    return None
