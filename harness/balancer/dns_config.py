"""HAProxy's configuration for the edges of a run whose callees are found by DNS or stand
behind one address (pure): the Docker platform's balancer container, where a service's network
alias answers with every live replica, as a Service's name would; and the Kubernetes platform's
balancer pod, where each callee is its Service's cluster IP.

Every edge passes through it, behind its Toxiproxy proxy, so the balancer counts each edge's
traffic (`harness.balancer.stats`). An edge that may get an HTTP fault, or whose requests must be
counted, is an HTTP frontend with the rules of `http_faults.lua`; every other edge is plain TCP,
so it keeps L4 semantics (a replica killed mid-request closes the connection). Each edge's backend
is a `server-template` filled from the engine's DNS and resolved again every 200 ms, so a killed
replica leaves it and a new one joins about as soon as they leave or join the alias; a paused one
stays, as it stays in the alias's answer. No health checks: a Service has none of its own either.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.balancer.config import (
    CONNECT_TIMEOUT_MS,
    IDLE_TIMEOUT,
    edge_frontend_name,
    h2_server,
    http_frontend,
    lua_globals,
)
from harness.load.answers import SERVED_BY_HEADER

RESOLVE_EVERY_MS = 200


@dataclass(frozen=True)
class DnsEdge:
    edge_name: str
    port: int  # where the balancer listens for this edge
    callee_host: str  # a name that answers with every live replica of the callee
    callee_port: int
    slots: int  # the most replicas the name may answer with at once (1: an address)
    http: bool = True  # an HTTP frontend (faults, request counts); else plain TCP
    h2: bool = False  # in HTTP mode, HTTP/2 in cleartext on both sides (a gRPC edge)
    # instead of a template over `callee_host`: one server per replica, named by its instance
    # id and resolved by its own host name (a split run's front door names who answered)
    servers: tuple[tuple[str, str], ...] = ()
    says_server: bool = False  # in HTTP mode, each answer names its server (SERVED_BY_HEADER)


def render_dns_config(
    edges: list[DnsEdge], api_port: int, lua_path: str, nameserver: str | None
) -> str:
    """With no `nameserver`, every `callee_host` is an address that balances by itself (a
    Service's cluster IP): one server each, nothing to resolve."""
    resolvers = [
        "resolvers engine",
        f"    nameserver dns {nameserver}",
        f"    timeout resolve {RESOLVE_EVERY_MS}ms",
        "    timeout retry 100ms",
        "    resolve_retries 3",
        "    hold valid 1s",
        "    hold nx 1s",
        "    hold obsolete 0s",
        "    accepted_payload_size 8192",
        "",
    ]
    lines = [
        "# written by Firebreak for one run; see harness/balancer/dns_config.py",
        "global",
        f"    stats socket ipv4@0.0.0.0:{api_port} level admin",
        "    maxconn 4000",
        "    log stdout format raw local0",
        *lua_globals(lua_path),
        "",
        *(resolvers if nameserver else []),
        "defaults",
        "    mode http",
        "    log global",
        "    option dontlog-normal",
        f"    timeout connect {CONNECT_TIMEOUT_MS}ms",
        f"    timeout client {IDLE_TIMEOUT}",
        f"    timeout server {IDLE_TIMEOUT}",
        "    retries 2",
        "    option redispatch 1",
        "",
    ]
    for edge in edges:
        name = edge_frontend_name(edge.edge_name)
        address = f"{edge.callee_host}:{edge.callee_port}"
        resolved = " resolvers engine init-addr none resolve-prefer ipv4"
        if edge.servers:
            servers = [
                f"    server {name} {host}:{edge.callee_port}"
                + (resolved if nameserver else "")
                + h2_server(edge.http and edge.h2)
                for name, host in edge.servers
            ]
        else:
            servers = [
                (
                    f"    server-template replica 1-{edge.slots} {address}{resolved}"
                    if nameserver
                    else f"    server service {address}"
                )
                + h2_server(edge.http and edge.h2)
            ]
        if edge.http and edge.says_server:
            servers.append(f"    http-response set-header {SERVED_BY_HEADER} %[srv_name]")
        frontend = (
            http_frontend(name, f"0.0.0.0:{edge.port}", edge.h2)
            if edge.http
            else [
                f"frontend {name}",
                "    mode tcp",
                f"    bind 0.0.0.0:{edge.port}",
                f"    default_backend {name}",
                "",
            ]
        )
        lines += [
            *frontend,
            f"backend {name}",
            f"    mode {'http' if edge.http else 'tcp'}",
            "    balance roundrobin",
            *servers,
            "",
        ]
    return "\n".join(lines)
