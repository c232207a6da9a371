"""The local platform: each service as N replica processes on loopback behind a real L4 load
balancer, every edge behind a real Toxiproxy proxy.

Like a cluster: every replica listens on a port of its own (`PORT`) and is checked and scraped
there, the only place that reaches that one instance; the service's port from system.yaml is a
stable address over its ready replicas (HAProxy, `harness.balancer`), where a killed replica drops
out at once and a frozen one keeps its share until its readiness checks fail. A caller reaches a
callee through its edge's Toxiproxy proxy, which points at that edge's own frontend on the
callee's balancer, so a fault on one edge spares the rest. The services need nothing of Firebreak:
a command, a port from `PORT`, a health path, dependency URLs from environment variables.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from harness.balancer.config import BalancerPlan, EdgeFrontend, Replica, ServiceBackend
from harness.balancer.haproxy import HAProxyServer
from harness.balancer.http_rules import EdgeHttpFaults
from harness.dependency_address import dependency_environment, split_listen
from harness.edge_protocol import edge_protocol
from harness.edge_proxies import (
    EdgeProxy,
    create_control_proxies,
    create_edge_proxies,
    delete_edge_proxies,
)
from harness.errors import FaultError, PlatformError, SystemSpecError
from harness.faults.toxiproxy import ToxiproxyClient
from harness.ledger import Ledger
from harness.platforms.base import EventListener, PlatformEvent
from harness.platforms.local.replicas import ReplicaSlot, ReplicaSupervisor
from harness.platforms.supervision import SupervisedPlatform
from harness.ports import port_is_listening, stable_free_port
from harness.split_plan import SplitPlan, replicas_of, tells_arms
from harness.system import SystemSpec, start_order
from harness.toxiproxy_server import ToxiproxyServer
from harness.traces.jaeger_server import JaegerServer
from harness.traces.otel_env import otel_environment

LOOPBACK = "127.0.0.1"
BALANCER_POLL_S = 0.02


def refuse_container_only_parts(system: SystemSpec) -> None:
    """What only a container platform can run, said all at once before anything starts, with
    the platforms that can (exit 2): a service without a command runs only as its image, and a
    caller that dials its callee by a fixed host name reaches the edge's proxy only where
    Firebreak controls what that name resolves to (a container's or a pod's hosts file)."""
    problems: list[str] = []
    image_only = system.image_only_services()
    if image_only:
        named = ", ".join(f"`{name}` ({system.services[name].image})" for name in image_only)
        problems.append(
            f"Without a `command`, these run only as their image: {named}. The local platform "
            "runs each service's command as a process, so it cannot run them (or give each a "
            "`command`)."
        )
    by_name = system.host_named_edges()
    if by_name:
        named = ", ".join(
            f"`{edge.name}` (`{system.services[edge.caller].dependencies[edge.callee].host_name}`)"
            for edge in by_name
        )
        problems.append(
            f"These callers dial their callee by a host name, not a variable: {named}. On this "
            "machine's processes that name cannot be pointed at the edge's proxy, so the edge "
            "could not be faulted or seen (or give the dependency an `env` the caller reads)."
        )
    if problems:
        raise SystemSpecError(
            " ".join(problems)
            + " Use `--platform docker` or `--platform kubernetes`. Nothing was started.",
            path=str(system.path),
        )


class LocalPlatform(SupervisedPlatform):
    """Runs a system as local processes; see the module docstring."""

    name = "local"

    def __init__(
        self,
        system: SystemSpec,
        run_dir: Path,
        *,
        ledger: Ledger | None = None,
        restart_delay_s: float = 1.0,
        port_offset: int = 0,
        env_overrides: dict[str, dict[str, str]] | None = None,
        toxiproxy_port: int = 0,
        http_edges: frozenset[str] = frozenset(),
        split: SplitPlan | None = None,
        traces: bool = False,
    ) -> None:
        self.system = system
        # a Jaeger for the run where it asks for traces and a service sends them (issue 25)
        self.trace_store = (
            JaegerServer(run_dir, LOOPBACK) if traces and system.traced_services() else None
        )
        # a split run (issue 24): the arms' replicas, and each faulted edge's control proxy
        self.split = split
        self.control_proxies: dict[str, EdgeProxy] = {}
        self.run_dir = run_dir
        self.ledger = ledger
        self.port_offset = port_offset
        self.env_overrides = env_overrides or {}
        self.http_edges = http_edges  # edges served in HTTP mode, for HTTP faults
        self.events: list[PlatformEvent] = []
        self.listeners: list[EventListener] = [self.events.append]
        self.toxiproxy_server = ToxiproxyServer(
            run_dir / "logs" / "toxiproxy.log", LOOPBACK, toxiproxy_port
        )
        self.toxiproxy: ToxiproxyClient | None = None
        self.balancer: HAProxyServer | None = None
        self.edge_proxies: dict[str, EdgeProxy] = {}
        self.supervisor = ReplicaSupervisor(restart_delay_s, ledger, self.listeners)
        self.deploy_seconds: float | None = None
        self._torn_down = False

    # -- addresses ----------------------------------------------------------------------------
    def service_port(self, service: str) -> int:
        """The service's stable address on the balancer (its system.yaml port, shifted)."""
        return self.system.services[service].port + self.port_offset

    def endpoints(self) -> dict[str, str]:
        found = {
            name: f"http://{LOOPBACK}:{self.service_port(name)}" for name in self.system.services
        }
        front_door = self.edge_proxies.get(f"load->{self.system.entrypoint}")
        if front_door is not None:
            found["load"] = front_door.url
        return found

    @property
    def edge_urls(self) -> dict[str, str]:
        """Edge name → the URL its caller uses (the edge's Toxiproxy proxy)."""
        return {name: edge_proxy.url for name, edge_proxy in self.edge_proxies.items()}

    @property
    def toxiproxy_version(self) -> str:
        return self.toxiproxy_server.version or ""

    def own_pids(self) -> list[int]:
        """Toxiproxy's, the balancer's and Jaeger's pids (the replicas' are in `instances()`)."""
        balancer = self.balancer.pid if self.balancer else None
        jaeger = self.trace_store.pid if self.trace_store else None
        return [pid for pid in (self.toxiproxy_server.pid, balancer, jaeger) if pid]

    @property
    def http_faults(self) -> EdgeHttpFaults | None:
        """HTTP faults act on the edges deployed in HTTP mode, through the balancer's API."""
        if self.balancer is None:
            return None
        return EdgeHttpFaults(self.balancer.plan.api_address, self.http_edges)

    @property
    def balancer_api(self) -> str | None:
        """The runtime API of the balancer on every edge (its counters are the edges' traffic)."""
        return self.balancer.plan.api_address if self.balancer else None

    # -- deploy -------------------------------------------------------------------------------
    def _check_ports_free(self) -> None:
        for service in self.system.services:
            port = self.service_port(service)
            if port_is_listening(LOOPBACK, port):
                raise PlatformError(
                    f"Port {port} of `{service}` is already in use on {LOOPBACK}; another "
                    "system may still be up (`firebreak down`, `firebreak cleanup`), or move this "
                    "system with a port offset."
                )

    def _balancer_plan(self) -> BalancerPlan:
        """Every replica's own port and every edge's frontend port, chosen now, kept for the run
        (a replacement replica comes back on its predecessor's port, as a pod keeps its name)."""
        plan = BalancerPlan(host=LOOPBACK, api_address=f"{LOOPBACK}:{stable_free_port(LOOPBACK)}")
        for service, spec in self.system.services.items():
            replicas = tuple(
                Replica(f"{service}-{index}", stable_free_port(LOOPBACK))
                for index in range(self._replicas_of(service))
            )
            plan.services.append(
                ServiceBackend(
                    service, spec.health.ready_path, replicas, self.service_port(service)
                )
            )
        plan.edges = [
            EdgeFrontend(
                edge.name,
                edge.callee,
                stable_free_port(LOOPBACK),
                http=edge.name in self.http_edges or self._tells_arms(edge.name),
                h2=edge_protocol(self.system, edge.name) == "grpc",
                says_server=self._tells_arms(edge.name),
            )
            for edge in self.system.edges()
        ]
        return plan

    def _replicas_of(self, service: str) -> int:
        return replicas_of(self.split, self.system, service)

    def _tells_arms(self, edge_name: str) -> bool:
        return tells_arms(self.split, edge_name)

    def deploy(self) -> None:
        started = time.monotonic()
        refuse_container_only_parts(self.system)
        self._check_ports_free()
        if self.ledger is not None:
            self.ledger.set_toxiproxy(f"{self.toxiproxy_server.host}:{self.toxiproxy_server.port}")
        self.toxiproxy = self.toxiproxy_server.start()
        self._record_process(self.toxiproxy_server.pid, "toxiproxy-server")
        plan = self._balancer_plan()
        self.balancer = HAProxyServer(
            plan, self.run_dir / "haproxy.cfg", self.run_dir / "logs" / "haproxy.log"
        )
        self.balancer.start()
        self._record_process(self.balancer.pid, "haproxy (load balancer)")
        if self.trace_store is not None:
            self.trace_store.start()
            self._record_process(self.trace_store.pid, "jaeger (traces)")
        upstreams = {edge.edge_name: f"{LOOPBACK}:{edge.port}" for edge in plan.edges}
        self.edge_proxies = create_edge_proxies(self.toxiproxy, self.system, upstreams, self.ledger)
        if self.split is not None:
            self.control_proxies = create_control_proxies(
                self.toxiproxy, self.system, self.split.edges, upstreams, self.ledger
            )
        ports = {r.instance_id: r.port for backend in plan.services for r in backend.replicas}
        for service in start_order(self.system):
            self._start_service(service, ports)
        self.supervisor.start()
        self.deploy_seconds = time.monotonic() - started

    def _record_process(self, pid: int | None, what: str) -> None:
        if self.ledger is not None and pid is not None:
            self.ledger.add_process(pid, what)

    def _service_env(self, service: str, control: bool = False) -> dict[str, str]:
        """`control`: a split run's control replica, which reaches each faulted edge through
        that edge's control proxy."""
        spec = self.system.services[service]
        data_dir = self.run_dir / "data" / service
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **spec.env}
        env.update(
            {
                "FIREBREAK_SERVICE": service,
                "HOST": LOOPBACK,
                "DATA_DIR": str(data_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for dependency, dep_spec in spec.dependencies.items():
            edge_name = f"{service}->{dependency}"
            proxies = self.control_proxies if control else self.edge_proxies
            listen = proxies.get(edge_name, self.edge_proxies[edge_name]).proxy.listen
            env.update(dependency_environment(dep_spec, *split_listen(listen)))
        env.update(self.env_overrides.get(service, {}))
        return env

    def _start_service(self, service: str, ports: dict[str, int]) -> None:
        spec = self.system.services[service]
        env = self._service_env(service)
        control_env = self._service_env(service, control=True) if self.control_proxies else env
        for replica in range(self._replicas_of(service)):
            instance_id = f"{service}-{replica}"
            in_control = self.split is not None and instance_id in self.split.control
            slot = ReplicaSlot(
                service=service,
                replica=replica,
                port=ports[instance_id],
                command=self.system.command_of(service),
                env={
                    **(control_env if in_control else env),
                    "PORT": str(ports[instance_id]),
                    spec.port_env: str(ports[instance_id]),
                },
                workdir=self.system.workdir_of(service),
                log_path=self.run_dir / "logs" / f"{service}-{replica}.log",
                ready_path=spec.health.ready_path,
                labels={"app": service, "replica": str(replica)},
            )
            if self.trace_store is not None and spec.traces:
                slot.env.update(
                    otel_environment(
                        self.trace_store.otlp_endpoint, service, self.run_dir.name, instance_id
                    )
                )
            self.supervisor.add(slot)

    def wait_ready(self, timeout_s: float) -> float:
        """Every replica answers its ready path, and the balancer has every one in rotation
        (plainly `UP`: HAProxy counts a server `UP` from its start, and one whose first check
        found nothing listening yet shows `UP 1/2` until a check passes)."""
        started = time.monotonic()
        self.supervisor.wait_ready(timeout_s)
        assert self.balancer is not None, "deploy() first"
        while True:
            states = self.balancer.server_states()
            waiting = [
                f"`{replica}` ({state})"
                for servers in states.values()
                for replica, state in servers.items()
                if state != "UP"
            ]
            if not waiting:
                return time.monotonic() - started
            if time.monotonic() - started >= timeout_s:
                raise PlatformError(
                    f"The load balancer did not put every replica in rotation within "
                    f"{timeout_s:g} s: {', '.join(waiting)}; see {self.balancer.log_path}."
                )
            time.sleep(BALANCER_POLL_S)

    # -- operations (instances, kill, restore, pause, resume): see SupervisedPlatform ---------
    def in_rotation(self) -> dict[str, dict[str, str]]:
        """Service → replica → the balancer's view of it (`UP`, `DOWN`...)."""
        if self.balancer is None:
            return {}
        return {
            backend.removeprefix("svc_"): servers
            for backend, servers in self.balancer.server_states().items()
        }

    # -- teardown -----------------------------------------------------------------------------
    def teardown(self) -> None:
        if self._torn_down:
            return
        self._torn_down = True
        self.supervisor.stop_all()
        if self.toxiproxy is not None and self.edge_proxies:
            # if this fails, the server goes next and takes its proxies with it
            with contextlib.suppress(FaultError):
                delete_edge_proxies(self.toxiproxy, self.control_proxies, self.ledger)
                delete_edge_proxies(self.toxiproxy, self.edge_proxies, self.ledger)
        for server in (self.toxiproxy_server, self.balancer, self.trace_store):
            if server is None:
                continue
            pid = server.pid
            server.stop()
            if self.ledger is not None and pid is not None:
                self.ledger.remove_process(pid)
