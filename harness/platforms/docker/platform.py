"""The Docker platform: each replica a container built from the system's images, every edge a
proxy in one real Toxiproxy container, all on one bridge network of the run's own.

A caller reaches a callee at `toxiproxy:<edge port>`; that edge's proxy forwards to the edge's own
port on the run's HAProxy container (`harness.platforms.docker.balancer`), which balances over the
callee's network alias; the engine's DNS answers it with the address of every live replica, as a
Service would: a killed container drops out of the answer at once, a paused one stays in it and
keeps its share. The balancer counts each edge's traffic and holds the HTTP faults. The network
is `internal`: no route leads off the machine. The engine publishes no port of a container on an
internal network (and a network that could publish gives every container a route out), so the
host reaches Toxiproxy's API and the balancer's, the front door and each
replica (health checks, metrics) at their addresses on the run's bridge, which exist only on
this machine. Everything carries `io.firebreak.*` labels, so teardown,
`firebreak cleanup` and the next run find it.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from pathlib import Path
from typing import Any

from docker.types import EndpointConfig

from harness.balancer.dns_config import DnsEdge
from harness.balancer.http_rules import EdgeHttpFaults
from harness.dependency_address import dialed_address
from harness.edge_protocol import edge_protocol
from harness.edge_proxies import EdgeProxy, create_control_proxies, create_edge_proxies
from harness.errors import FaultError, PlatformError
from harness.faults.toxiproxy import ToxiproxyClient
from harness.images.balancer_image import ensure_balancer_image
from harness.images.builder import ImagePlan, base_image_of, images_for
from harness.images.jaeger_image import ensure_jaeger_image
from harness.images.toxiproxy_image import API_PORT, ensure_toxiproxy_image
from harness.ledger import Ledger
from harness.platforms.base import EventListener, PlatformEvent
from harness.platforms.container_env import (
    CONTROL_PORT_SHIFT,
    DATA_MOUNT,
    FRONT_DOOR_PORT,
    container_env,
    edge_ports,
)
from harness.platforms.docker.balancer import BALANCER_ALIAS, start_http_balancer
from harness.platforms.docker.dial import DialNetwork, create_dial_networks
from harness.platforms.docker.engine import (
    API_VERSION_FLOOR,
    LABEL_OWNER,
    LABEL_REPLICA,
    LABEL_ROLE,
    LABEL_RUN,
    LABEL_SERVICE,
    engine,
    owner_label,
    remove_by_label,
)
from harness.platforms.docker.replicas import ContainerSlot, ContainerSupervisor
from harness.platforms.docker.trace_store import DockerJaeger
from harness.platforms.supervision import SupervisedPlatform
from harness.split_plan import SplitPlan, control_edges_of, replicas_of, tells_arms
from harness.system import SystemSpec, start_order
from harness.traces.otel_env import otel_environment

TOXIPROXY_ALIAS = "toxiproxy"
CONTAINER_PYTHON = "python3"


def service_alias(service: str) -> str:
    return f"svc-{service}"


def replica_alias(service: str, replica: int) -> str:
    """One replica's own name on the run's network (a split run's front door lists them)."""
    return f"replica-{service}-{replica}"


class DockerPlatform(SupervisedPlatform):
    """Runs a system as containers; see the module docstring."""

    name = "docker"

    def __init__(
        self,
        system: SystemSpec,
        run_dir: Path,
        *,
        ledger: Ledger | None = None,
        restart_delay_s: float = 1.0,
        env_overrides: dict[str, dict[str, str]] | None = None,
        images: ImagePlan | None = None,
        on_message: Any = print,
        http_edges: frozenset[str] = frozenset(),
        balanced_edges: frozenset[str] | None = None,
        split: SplitPlan | None = None,
        traces: bool = False,
    ) -> None:
        self.system = system
        self.traces = traces and bool(system.traced_services())
        self.trace_store: DockerJaeger | None = None  # the run's Jaeger, once started
        # a split run (issue 24): the arms' replicas, each faulted edge's control proxy
        self.split = split
        self.run_dir = run_dir
        self.ledger = ledger
        self.env_overrides = env_overrides or {}
        self.image_plan = images or ImagePlan(offline_base=True)
        self.on_message = on_message
        self.http_edges = http_edges  # edges the balancer serves in HTTP mode
        # the edges that pass the balancer (None: every edge); the rest go straight to the alias
        self.balanced_edges = balanced_edges
        self.balancer_container: Any = None
        self.balancer_api = ""  # host:port of the balancer's runtime API, once started
        # unique on the engine even when two runs share an output folder's name
        run_id = ledger.data.run_id if ledger is not None else "run"
        self.run_label = f"{re.sub(r'[^A-Za-z0-9_.-]', '-', run_id)[:40]}-{uuid.uuid4().hex[:6]}"
        self.events: list[PlatformEvent] = []
        self.listeners: list[EventListener] = [self.events.append]
        self.client: Any = None
        self.toxiproxy: ToxiproxyClient | None = None
        self.toxiproxy_version: str = ""
        self.toxiproxy_container: Any = None
        self.network: Any = None
        self.dial_networks: dict[str, DialNetwork] = {}  # caller → where its host names point
        self.edge_proxies: dict[str, EdgeProxy] = {}
        self.control_proxies: dict[str, EdgeProxy] = {}  # a split run's, by edge name
        self.edge_urls: dict[str, str] = {}  # edge name → the URL a caller uses
        self.images: dict[str, str] = {}
        self.supervisor = ContainerSupervisor(
            self._container_states, restart_delay_s, self.listeners
        )
        self.deploy_seconds: float | None = None
        self.build_seconds: float | None = None
        self._front_door = ""
        self._torn_down = False

    # -- labels and addresses -----------------------------------------------------------------
    def labels(self, **extra: str) -> dict[str, str]:
        return {LABEL_RUN: self.run_label, LABEL_OWNER: owner_label(), **extra}

    def _container_states(self) -> dict[str, str]:
        found = self.client.api.containers(all=True, filters={"label": self._selector()})
        return {item["Id"]: item["State"] for item in found}

    def _selector(self) -> str:
        return f"{LABEL_RUN}={self.run_label}"

    def endpoints(self) -> dict[str, str]:
        """Service → a live replica's own address; `load` → the front door's proxy."""
        found: dict[str, str] = {}
        for slot in self.supervisor.slots.values():
            if slot.service not in found and slot.state == "running" and slot.address:
                found[slot.service] = slot.url
        if self._front_door:
            found["load"] = self._front_door
        return found

    def own_pids(self) -> list[int]:
        """Host pids of the run's containers (Toxiproxy's too): their CPU is the run's own."""
        pids = [slot.pid for slot in self.supervisor.slots.values() if slot.pid]
        for container in (self.toxiproxy_container, self.balancer_container):
            if container is not None:
                pid = container.attrs.get("State", {}).get("Pid")
                pids += [pid] if pid else []
        return pids

    def in_rotation(self) -> dict[str, dict[str, str]]:
        """Service → replica → whether the alias answers with it (running or paused: a paused
        container stays in the DNS answer, as a frozen pod stays an endpoint until probed)."""
        view: dict[str, dict[str, str]] = {}
        for slot in self.supervisor.slots.values():
            state = "UP" if slot.state in ("running", "paused") else "DOWN"
            view.setdefault(slot.service, {})[slot.instance_id] = state
        return view

    # -- deploy -------------------------------------------------------------------------------
    def deploy(self) -> None:
        self.client = engine()
        started = time.monotonic()
        self.images, _ = images_for(self.client, self.system, self.image_plan, self.on_message)
        base = base_image_of(self.client, self.image_plan, self.on_message)
        toxiproxy_image = ensure_toxiproxy_image(self.client, base, self.on_message)
        balancer_image = ensure_balancer_image(self.client, base, self.on_message)
        jaeger_image = (
            ensure_jaeger_image(self.client, base, self.on_message) if self.traces else ""
        )
        self.build_seconds = time.monotonic() - started
        started = time.monotonic()
        if self.ledger is not None:
            self.ledger.set_info(docker_run=self.run_label)
        self.network = self.client.networks.create(
            f"firebreak-{self.run_label}", driver="bridge", internal=True, labels=self.labels()
        )
        self._start_toxiproxy(toxiproxy_image)
        if jaeger_image:
            self.trace_store = DockerJaeger(
                self.client,
                jaeger_image,
                self.network,
                f"fb-{self.run_label}-jaeger",
                self.labels(),
            )
            self.trace_store.start()
        self.dial_networks = create_dial_networks(
            self.client, self.system, self.run_label, self.labels(), self.toxiproxy_container
        )
        self._start_balancer(balancer_image)
        self._create_edges()
        for service in start_order(self.system):
            self._start_service(service)
        self.supervisor.start()
        self.deploy_seconds = time.monotonic() - started

    def _start_toxiproxy(self, image: str) -> None:
        container = self.client.containers.run(
            image,
            name=f"fb-{self.run_label}-toxiproxy",
            detach=True,
            labels=self.labels(**{LABEL_ROLE: "toxiproxy"}),
            network=self.network.name,
            networking_config={
                self.network.name: EndpointConfig(API_VERSION_FLOOR, aliases=[TOXIPROXY_ALIAS])
            },
            ports={
                f"{API_PORT}/tcp": ("127.0.0.1", None),
                f"{FRONT_DOOR_PORT}/tcp": ("127.0.0.1", None),
            },
        )
        self.toxiproxy_container = container
        with contextlib.suppress(Exception):
            container.reload()
        api_host, api_port = self._host_address(container, API_PORT)
        if self.ledger is not None:
            self.ledger.set_toxiproxy(f"{api_host}:{api_port}")
        self.toxiproxy = ToxiproxyClient(api_host, api_port, timeout_s=2.0)
        try:
            self.toxiproxy_version = self.toxiproxy.wait_until_up(15)
        except FaultError:
            logs = container.logs(tail=20).decode(errors="replace")
            raise PlatformError(
                f"Toxiproxy's container did not answer on {api_host}:{api_port} within 15 s:\n"
                + logs
            ) from None
        host, port = self._host_address(container, FRONT_DOOR_PORT)
        self._front_door = f"http://{host}:{port}"

    def _start_balancer(self, image: str) -> None:
        ports = edge_ports(self.system)
        edges = [
            DnsEdge(
                edge.name,
                ports[edge.name],
                service_alias(edge.callee),
                self.system.services[edge.callee].port,
                # a replaced replica's successor may join before its predecessor leaves
                slots=replicas_of(self.split, self.system, edge.callee) * 2,
                http=edge.name in self.http_edges or tells_arms(self.split, edge.name),
                h2=edge_protocol(self.system, edge.name) == "grpc",
                servers=self._named_servers(edge.callee)
                if tells_arms(self.split, edge.name)
                else (),
                says_server=tells_arms(self.split, edge.name),
            )
            for edge in self.system.edges()
            if self._balanced(edge.name)
        ]
        self.balancer_container, self.balancer_api = start_http_balancer(
            self.client,
            image,
            self.network.name,
            f"fb-{self.run_label}-http-balancer",
            self.labels(**{LABEL_ROLE: "balancer"}),
            edges,
            API_VERSION_FLOOR,
        )

    def _balanced(self, edge_name: str) -> bool:
        return (
            self.balanced_edges is None
            or edge_name in self.balanced_edges
            or edge_name in self.http_edges
            or tells_arms(self.split, edge_name)
        )

    # -- a split run's arms (harness/split_plan.py) ---------------------------------------------
    def _named_servers(self, service: str) -> tuple[tuple[str, str], ...]:
        """Each replica by its instance id, at its own network alias (the engine's DNS answers
        it, again after a restart)."""
        return tuple(
            (f"{service}-{replica}", replica_alias(service, replica))
            for replica in range(replicas_of(self.split, self.system, service))
        )

    def _container_name(self, service: str, replica: int) -> str:
        return f"fb-{self.run_label}-{service}-{replica}"

    @property
    def http_faults(self) -> EdgeHttpFaults | None:
        """HTTP faults act on the edges through the balancer container, by its runtime API."""
        if not self.balancer_api:
            return None
        return EdgeHttpFaults(self.balancer_api, self.http_edges)

    def _host_address(self, container: Any, port: int) -> tuple[str, int]:
        """Where the host reaches `port` of a container: its address on the run's bridge."""
        container.reload()
        settings = container.attrs.get("NetworkSettings", {})
        address = settings.get("Networks", {}).get(self.network.name, {}).get("IPAddress")
        if not address:
            raise PlatformError(
                f"Container {container.name} has no address on {self.network.name}."
            )
        return address, port

    def _create_edges(self) -> None:
        assert self.toxiproxy is not None
        listen: dict[str, str] = {}
        upstreams: dict[str, str] = {}
        for edge_name, port in edge_ports(self.system).items():
            edge = self.system.edge(edge_name)
            listen[edge.name] = f"0.0.0.0:{port}"
            self.edge_urls[edge.name] = f"http://{TOXIPROXY_ALIAS}:{port}"
            dial = self.dial_networks.get(edge.caller)
            if dial is not None and dial.dials(edge.callee):
                # the caller dials a fixed name: its proxy listens where that name points
                listen[edge.name] = dial.listen(self.system, edge.callee)
                self.edge_urls[edge.name] = f"http://{dialed_address(self.system, edge.name)}"
            # a balanced edge passes the balancer, on the edge's own port there: it counts the
            # edge's traffic, and an HTTP edge's faults act there
            upstreams[edge.name] = (
                f"{BALANCER_ALIAS}:{port}"
                if self._balanced(edge.name)
                else f"{service_alias(edge.callee)}:{self.system.services[edge.callee].port}"
            )
        self.edge_proxies = create_edge_proxies(
            self.toxiproxy, self.system, upstreams, self.ledger, listen_of=listen
        )
        if self.split is not None:  # each faulted edge's control proxy, at a port known ahead
            ports = edge_ports(self.system)
            self.control_proxies = create_control_proxies(
                self.toxiproxy,
                self.system,
                self.split.edges,
                upstreams,
                self.ledger,
                listen_of={e: f"0.0.0.0:{ports[e] + CONTROL_PORT_SHIFT}" for e in ports},
            )

    def _service_env(self, service: str, replica: int) -> dict[str, str]:
        overrides = self.env_overrides.get(service, {})
        control_edges = control_edges_of(self.split, f"{service}-{replica}")
        env = container_env(self.system, service, TOXIPROXY_ALIAS, overrides, control_edges)
        instance = f"{service}-{replica}"
        if self.trace_store is not None and self.system.services[service].traces:
            run_id = self.ledger.data.run_id if self.ledger is not None else self.run_label
            env.update(otel_environment(self.trace_store.otlp_endpoint, service, run_id, instance))
        return {**env, "FIREBREAK_INSTANCE": instance}

    def _start_service(self, service: str) -> None:
        spec = self.system.services[service]
        # one volume per service, shared by its replicas as their data directory is locally
        volume = self.client.volumes.create(
            name=f"fb-{self.run_label}-{service}-data",
            labels=self.labels(**{LABEL_SERVICE: service}),
        )
        # an image-only service runs its image's own entrypoint and command (None keeps them)
        command = (
            None
            if spec.command is None
            else [part.replace("{python}", CONTAINER_PYTHON) for part in spec.command]
        )
        dial = self.dial_networks.get(service)
        for replica in range(replicas_of(self.split, self.system, service)):
            labels = self.labels(
                **{LABEL_SERVICE: service, LABEL_REPLICA: str(replica), LABEL_ROLE: "replica"}
            )
            container = self.client.containers.create(
                self.images[service],
                command=command,
                name=self._container_name(service, replica),
                environment=self._service_env(service, replica),
                labels=labels,
                network=self.network.name,
                # the alias every caller's edge proxy resolves; the engine's DNS answers with
                # every running member
                networking_config={
                    self.network.name: EndpointConfig(
                        API_VERSION_FLOOR,
                        aliases=[service_alias(service), replica_alias(service, replica)],
                    )
                },
                volumes={volume.name: {"bind": DATA_MOUNT, "mode": "rw"}},
                healthcheck={"test": ["NONE"]},  # Firebreak checks readiness itself
                # the names it dials point at its own edges' proxies (docker/dial.py)
                extra_hosts=dial.hosts() if dial is not None else None,
            )
            if dial is not None:
                dial.network.connect(container)  # before it starts: it dials from the outset
            slot = ContainerSlot(
                service=service,
                replica=replica,
                port=spec.port,
                network=self.network.name,
                ready_path=spec.health.ready_path,
                container=container,
                labels={"app": service, "replica": str(replica)},
            )
            self.supervisor.add(slot)

    def wait_ready(self, timeout_s: float) -> float:
        started = time.monotonic()
        self.supervisor.wait_ready(timeout_s)
        return time.monotonic() - started

    # -- operations (instances, kill, restore, pause, resume): see SupervisedPlatform ---------
    # -- teardown -----------------------------------------------------------------------------
    def teardown(self) -> None:
        """Remove every container, the network and the volumes of this run, found by label."""
        if self._torn_down:
            return
        self._torn_down = True
        self.supervisor.stop()
        if self.client is None:
            return
        remove_by_label(self.client, self._selector())
        if self.ledger is not None:
            for edge_proxy in [*self.edge_proxies.values(), *self.control_proxies.values()]:
                self.ledger.remove_proxy(edge_proxy.proxy.name)
        self.client.close()
