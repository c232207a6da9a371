"""What an edge speaks, as the balancer must know it: `http` (HTTP/1.1), `grpc` (HTTP/2 in
cleartext, h2c) or `tcp` (anything else: Redis, Postgres, AMQP...).

The protocol decides how the run's balancer may serve an edge: an `http` edge may be served in
HTTP mode (HTTP faults, requests counted); a `grpc` edge too, but with HTTP/2 on both sides
(`proto h2`), since a gRPC client speaks nothing else; a `tcp` edge never, because HAProxy in HTTP
mode would answer a Redis or Postgres client's first bytes with a 400 and close. A dependency in
system.yaml may say its protocol; without one it is read from its address's form: `http://` and
`https://` are HTTP, every other form (`{host}:{port}`, `redis://...`) is TCP. A gRPC edge must say
`protocol: grpc`: `cart:7070` alone does not tell gRPC from any other TCP protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from harness.system import SystemSpec

Protocol = Literal["http", "grpc", "tcp"]
PROTOCOLS: tuple[str, ...] = ("http", "grpc", "tcp")
# the load generator (Locust) speaks HTTP/1.1 to the entrypoint
FRONT_DOOR_PROTOCOL = "http"


def protocol_of_address(address: str) -> str:
    """The protocol an address template implies when the dependency names none."""
    scheme = address.split("://", 1)[0].lower() if "://" in address else ""
    return "http" if scheme in ("http", "https") else "tcp"


def edge_protocol(system: SystemSpec, edge_name: str) -> str:
    """The protocol of one edge of `system` (`load->X` is HTTP: Locust's)."""
    caller, _, callee = edge_name.partition("->")
    spec = system.services.get(caller)
    if spec is None or callee not in spec.dependencies:
        return FRONT_DOOR_PROTOCOL
    return spec.dependencies[callee].protocol or "tcp"


def http_servable(system: SystemSpec, edge_names: frozenset[str] | set[str]) -> frozenset[str]:
    """Those of `edge_names` the balancer may serve in HTTP mode: every one but `tcp` edges."""
    return frozenset(name for name in edge_names if edge_protocol(system, name) != "tcp")


def h2_edges(system: SystemSpec) -> frozenset[str]:
    """The edges that speak HTTP/2 (gRPC): in HTTP mode, served with `proto h2` on both sides."""
    return frozenset(
        edge.name for edge in system.edges() if edge_protocol(system, edge.name) == "grpc"
    )
