"""HAProxy's configuration for a system on the local platform, as text (pure).

Why HAProxy: a well-kept L4 balancer from Debian's packages with readiness-style health checks,
a runtime API on a local socket that changes servers and (later) per-edge behaviour without a
reload, and per-server state that can be read back; nginx's stream module checks health only in
its commercial build.

The shape mirrors a cluster:
- each service has a backend: its replicas, each on its own port, checked on its ready path like a
  readiness probe (`inter`, `fall`, `rise`); a connection error marks a replica down at once (a
  killed pod leaves its Service's endpoints at once), a frozen one keeps its share until its
  checks time out `fall` times (as an unready pod leaves them), a replacement joins once ready;
- each service's own port (system.yaml) is a frontend on that backend: its stable address;
- each caller→callee edge has its own frontend on the callee's backend, which the edge's Toxiproxy
  proxy points at, so behaviour can be changed per edge;
- an edge that may get an HTTP fault (`http_error`, `http_abort`, `http_delay`) has an HTTP
  frontend instead, with its own HTTP backend whose servers `track` the service's (one set of
  readiness checks), and the rules of `http_faults.lua`, which the runtime API switches without a
  reload; on a gRPC edge (`protocol: grpc`) HTTP/2 in cleartext on both sides. Never on a `tcp`
  edge (Redis, Postgres: harness/edge_protocol.py). Only those edges: HTTP mode answers a
  replica killed mid-request with a 502 where a TCP balancer (and a Service) closes the
  connection, so every other edge keeps L4 semantics.
Connections are balanced round-robin; callers keep them alive, as they would through a Service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.load.answers import SERVED_BY_HEADER

HTTP_FAULTS_LUA = Path(__file__).with_name("http_faults.lua")

# readiness probing, like a pod's: every 0.5 s, down after 2 failed checks of at most 0.4 s each;
# a replica that is out, or between states, is checked every 0.1 s, so one that starts (or
# restarts) joins at once and one that failed a single check is soon known to be fine or not
CHECK_INTERVAL_MS = 500
CHECK_INTERVAL_WHILE_DOWN_MS = 100
CHECK_TIMEOUT_MS = 400
CHECK_FALL = 2
CHECK_RISE = 1
# on loopback a connection is made in microseconds, even to a frozen replica (the kernel accepts
# for it); this is also HAProxy's pause before retrying a refused connection on another replica,
# so it is what the first request after a kill waits
CONNECT_TIMEOUT_MS = 100
# a connection held open by a fault (a blackhole, a frozen replica) is the fault's to end, not ours
IDLE_TIMEOUT = "1h"


@dataclass(frozen=True)
class Replica:
    instance_id: str
    port: int


@dataclass(frozen=True)
class ServiceBackend:
    service: str
    ready_path: str | None  # None: a replica is up while it accepts connections
    replicas: tuple[Replica, ...]
    port: int  # the service's own stable address


@dataclass(frozen=True)
class EdgeFrontend:
    edge_name: str  # caller->callee
    callee: str
    port: int
    http: bool = False  # an HTTP frontend that HTTP faults can act on
    h2: bool = False  # in HTTP mode, HTTP/2 in cleartext on both sides (a gRPC edge)
    # in HTTP mode, each answer names the replica that served it (the front door of a split
    # run: harness/load/answers.py SERVED_BY_HEADER)
    says_server: bool = False

    @property
    def frontend_name(self) -> str:
        return edge_frontend_name(self.edge_name)


def edge_frontend_name(edge_name: str) -> str:
    """The frontend (and, for an HTTP edge, backend) of an edge in the configuration."""
    return "edge_" + edge_name.replace("->", "_to_")


@dataclass
class BalancerPlan:
    host: str
    api_address: str  # host:port of the runtime API (admin level), on loopback
    services: list[ServiceBackend] = field(default_factory=list)
    edges: list[EdgeFrontend] = field(default_factory=list)


def backend_name(service: str) -> str:
    return f"svc_{service}"


def render_config(plan: BalancerPlan) -> str:
    lines = [
        "# written by Firebreak for one run; see harness/balancer/config.py",
        "global",
        f"    stats socket ipv4@{plan.api_address} level admin",
        # every connection takes two descriptors; stay well inside a default 20k hard limit
        "    maxconn 4000",
        # to the run's log (HAProxy runs in the foreground): connections that went wrong only
        "    log stdout format raw local0",
    ]
    if any(edge.http for edge in plan.edges):
        lines += lua_globals(HTTP_FAULTS_LUA)
    lines += [
        "",
        "defaults",
        "    mode tcp",
        "    log global",
        "    option tcplog",
        "    option dontlog-normal",
        f"    timeout connect {CONNECT_TIMEOUT_MS}ms",
        f"    timeout client {IDLE_TIMEOUT}",
        f"    timeout server {IDLE_TIMEOUT}",
        f"    timeout check {CHECK_TIMEOUT_MS}ms",
        # a replica that refuses a connection is tried no more; the next one gets it
        "    retries 2",
        "    option redispatch 1",
        f"    default-server inter {CHECK_INTERVAL_MS}ms "
        f"downinter {CHECK_INTERVAL_WHILE_DOWN_MS}ms fastinter {CHECK_INTERVAL_WHILE_DOWN_MS}ms "
        f"fall {CHECK_FALL} rise {CHECK_RISE} "
        "observe layer4 error-limit 1 on-error mark-down",
        "",
    ]
    for backend in plan.services:
        name = backend_name(backend.service)
        lines += [
            f"backend {name}",
            "    balance roundrobin",
        ]
        if backend.ready_path is not None:
            lines += [
                "    option httpchk",
                f"    http-check send meth GET uri {backend.ready_path}",
                "    http-check expect status 200",
            ]
        # else each server's plain `check`: a connection accepted (a data store answers no HTTP)
        lines += [
            f"    server {replica.instance_id} {plan.host}:{replica.port} check"
            for replica in backend.replicas
        ]
        lines += [
            "",
            f"frontend {name}",
            f"    bind {plan.host}:{backend.port}",
            f"    default_backend {name}",
            "",
        ]
    replicas_of = {backend.service: backend.replicas for backend in plan.services}
    for edge in plan.edges:
        if edge.http:
            lines += _http_edge(plan.host, edge, replicas_of[edge.callee])
            continue
        lines += [
            f"frontend {edge.frontend_name}",
            f"    bind {plan.host}:{edge.port}",
            f"    default_backend {backend_name(edge.callee)}",
            "",
        ]
    return "\n".join(lines)


def http_frontend(name: str, bind: str, h2: bool = False) -> list[str]:
    """An edge's HTTP frontend: the fault rules of `http_faults.lua`, then its own backend. An
    HTTP/2 one (gRPC) takes h2c without an upgrade, as gRPC clients speak it ("prior
    knowledge"), and counts its answers' `grpc-status`."""
    return [
        f"frontend {name}",
        "    mode http",
        "    option httplog",
        f"    bind {bind}" + (" proto h2" if h2 else ""),
        "    http-request lua.firebreak_decide",
        "    http-request reject if { var(txn.fb_action) -m str abort }",
        "    http-request use-service lua.firebreak_error if { var(txn.fb_action) -m str error }",
        "    http-response lua.firebreak_hold if { var(txn.fb_action) -m str delay }",
        *(["    http-response lua.firebreak_grpc_status"] if h2 else []),
        f"    default_backend {name}",
        "",
    ]


def h2_server(h2: bool) -> str:
    """The suffix of a server line that speaks HTTP/2 in cleartext to a gRPC callee."""
    return " proto h2" if h2 else ""


def lua_globals(lua_path: Path | str) -> list[str]:
    return [
        f"    lua-load {lua_path}",
        # a held answer sleeps in Lua, which must not count as Lua running too long
        "    tune.lua.session-timeout 1h",
    ]


def _http_edge(host: str, edge: EdgeFrontend, replicas: tuple[Replica, ...]) -> list[str]:
    name = edge.frontend_name
    return [
        *http_frontend(name, f"{host}:{edge.port}", edge.h2),
        f"backend {name}",
        "    mode http",
        "    balance roundrobin",
        # the service's backend checks each replica; this one follows its verdict
        *[
            f"    server {r.instance_id} {host}:{r.port} track {backend_name(edge.callee)}/"
            f"{r.instance_id}{h2_server(edge.h2)}"
            for r in replicas
        ],
        *(
            [f"    http-response set-header {SERVED_BY_HEADER} %[srv_name]"]
            if edge.says_server
            else []
        ),
        "",
    ]
