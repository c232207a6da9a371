"""Once a second, what crossed each dependency edge and each replica, as the run's balancer
counted it: the evidence from outside the services that a fault touched traffic, that a declared
edge is the one its caller really uses, and how many attempts reached a failing dependency.

An edge served in HTTP mode counts requests; one in TCP mode counts connections (opened this
second, and open now). A replica's counts come from the balancer's servers named after it (the
local platform names them so; on Docker and Kubernetes the balancer sees addresses, not replicas,
and no replica is counted). See `harness.balancer.stats` for what HAProxy can count and why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from harness.balancer.config import edge_frontend_name
from harness.balancer.stats import FRONTEND_ROW, ProxyCounters, StatsSession
from harness.observe.every_second import every_second

SAMPLE_TIMEOUT_S = 0.5


@dataclass(slots=True)
class TrafficPoint:
    """One edge, or one replica, in one second."""

    t: int  # unix second
    requests: int | None  # HTTP requests that crossed it this second; None: counted in TCP mode
    connections: int  # connections opened this second
    open_connections: int  # open when the second ended
    # gRPC answers this second by `grpc-status` ("14", "trailers": not seen), on a gRPC edge
    # in HTTP mode; None elsewhere (harness.balancer.stats says what is seen)
    grpc_status: dict[str, int] | None = None

    @property
    def busy(self) -> bool:
        return bool(self.requests or self.connections or self.open_connections)


@dataclass
class TrafficSecond:
    t_s: int
    edges: dict[str, TrafficPoint] = field(default_factory=dict)
    replicas: dict[str, TrafficPoint] = field(default_factory=dict)


@dataclass
class _Totals:
    connections: int = 0
    open_connections: int = 0
    requests: int | None = None
    grpc_status: dict[str, int] | None = None

    def add(self, counters: ProxyCounters) -> None:
        self.connections += counters.connections_total
        self.open_connections += counters.connections_open
        if counters.requests_total is not None:
            self.requests = (self.requests or 0) + counters.requests_total


def _increase(now: dict[str, int] | None, before: dict[str, int] | None) -> dict[str, int] | None:
    if now is None:
        return None
    before = before or {}
    return {
        status: n - before.get(status, 0) for status, n in now.items() if n > before.get(status, 0)
    }


class EdgeTrafficSampler:
    """Reads the balancer's counters once a second and hands each second's increments to
    `on_second`; what it could not read is counted, so a verdict can say it saw nothing."""

    def __init__(
        self,
        api_address: str,
        edge_names: Iterable[str],
        instance_ids: Callable[[], Iterable[str]],
        on_second: Callable[[TrafficSecond], None],
        grpc_edge_names: Iterable[str] = (),
    ) -> None:
        self.api_address = api_address
        self._session = StatsSession(api_address, SAMPLE_TIMEOUT_S)
        self.frontends = {edge_frontend_name(name): name for name in edge_names}
        # frontends whose gRPC answers are counted by status (none: not asked for)
        self.grpc_frontends = {edge_frontend_name(name) for name in grpc_edge_names}
        self._instance_ids = instance_ids
        self._on_second = on_second
        self._previous: dict[str, _Totals] = {}
        self.samples_ok = 0
        self.samples_failed = 0
        self.modes: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _totals(self) -> dict[str, _Totals] | None:
        try:
            rows = self._session.read()
        except OSError:
            return None
        instances = set(self._instance_ids())
        totals: dict[str, _Totals] = {}
        grpc = self._grpc_counts()
        for (proxy, server), counters in rows.items():
            if server == FRONTEND_ROW and proxy in self.frontends:
                edge = self.frontends[proxy]
                self.modes[edge] = "http" if counters.http else "tcp"
                totals.setdefault(f"edge:{edge}", _Totals()).add(counters)
                if proxy in self.grpc_frontends and counters.http:
                    totals[f"edge:{edge}"].grpc_status = grpc.get(proxy, {})
            elif server in instances:
                # a replica may be a server of several backends (its service's, an HTTP edge's)
                totals.setdefault(f"replica:{server}", _Totals()).add(counters)
        return totals

    def _grpc_counts(self) -> dict[str, dict[str, int]]:
        if not self.grpc_frontends:
            return {}
        try:
            return self._session.read_grpc()
        except OSError:
            return {}

    def sample_once(self, t_s: int) -> TrafficSecond | None:
        totals = self._totals()
        if totals is None:
            self.samples_failed += 1
            return None
        self.samples_ok += 1
        second = TrafficSecond(t_s)
        for key, now in totals.items():
            before = self._previous.get(key, _Totals(0, 0, 0 if now.requests is not None else None))
            requests = None
            if now.requests is not None:
                requests = max(0, now.requests - (before.requests or 0))
            point = TrafficPoint(
                t=t_s,
                requests=requests,
                connections=max(0, now.connections - before.connections),
                open_connections=now.open_connections,
                grpc_status=_increase(now.grpc_status, before.grpc_status),
            )
            kind, name = key.split(":", 1)
            (second.edges if kind == "edge" else second.replicas)[name] = point
        self._previous = totals
        return second

    def evidence_json(self) -> dict[str, object]:
        evidence: dict[str, object] = {
            "source": f"the run's HAProxy (runtime API {self.api_address})",
            "samples_ok": self.samples_ok,
            "samples_failed": self.samples_failed,
        }
        if self.modes:  # as the balancer reports them, over what the run meant to deploy
            evidence["modes"] = dict(sorted(self.modes.items()))
        return evidence

    def start(self) -> None:
        self._previous = self._totals() or {}  # the starting counts
        self._thread = threading.Thread(target=self._run, name="edge-traffic", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        every_second(self._stop, self._on_tick)

    def _on_tick(self, t_s: int, _late_ms: float) -> None:
        second = self.sample_once(t_s)
        if second is not None:
            self._on_second(second)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
        self._session.close()
