"""The local platform: each service as N replica processes on loopback, every edge behind a real
Toxiproxy proxy.

Each replica binds the service's port with SO_REUSEPORT (so the kernel balances like a Service
address) and a private admin port of its own (health checks and the `/metrics` of that instance).
Each caller's dependency URL points at its own edge's proxy, so a fault on one edge spares the rest.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from harness.edge_proxies import EdgeProxy, create_edge_proxies, delete_edge_proxies
from harness.errors import FaultError, PlatformError
from harness.faults.toxiproxy import ToxiproxyClient
from harness.ledger import Ledger
from harness.platforms.base import EventListener, Instance, PlatformEvent
from harness.platforms.local_replicas import ReplicaSlot, ReplicaSupervisor
from harness.ports import free_port, port_is_listening
from harness.system import SystemSpec, start_order
from harness.toxiproxy_server import ToxiproxyServer

LOOPBACK = "127.0.0.1"


class LocalPlatform:
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
    ) -> None:
        self.system = system
        self.run_dir = run_dir
        self.ledger = ledger
        self.port_offset = port_offset
        self.env_overrides = env_overrides or {}
        self.events: list[PlatformEvent] = []
        self.listeners: list[EventListener] = [self.events.append]
        self.toxiproxy_server = ToxiproxyServer(
            run_dir / "logs" / "toxiproxy.log", LOOPBACK, toxiproxy_port
        )
        self.toxiproxy: ToxiproxyClient | None = None
        self.edge_proxies: dict[str, EdgeProxy] = {}
        self.supervisor = ReplicaSupervisor(restart_delay_s, ledger, self.listeners)
        self.deploy_seconds: float | None = None
        self._torn_down = False

    # -- addresses ----------------------------------------------------------------------------
    def service_port(self, service: str) -> int:
        return self.system.services[service].port + self.port_offset

    def endpoints(self) -> dict[str, str]:
        found = {
            name: f"http://{LOOPBACK}:{self.service_port(name)}" for name in self.system.services
        }
        front_door = self.edge_proxies.get(f"load->{self.system.entrypoint}")
        if front_door is not None:
            found["load"] = front_door.url
        return found

    def add_listener(self, listener: EventListener) -> None:
        self.listeners.append(listener)

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

    def deploy(self) -> None:
        started = time.monotonic()
        self._check_ports_free()
        if self.ledger is not None:
            self.ledger.set_toxiproxy(f"{self.toxiproxy_server.host}:{self.toxiproxy_server.port}")
        self.toxiproxy = self.toxiproxy_server.start()
        if self.ledger is not None and self.toxiproxy_server.pid is not None:
            self.ledger.add_process(self.toxiproxy_server.pid, "toxiproxy-server")
        upstreams = {s: f"{LOOPBACK}:{self.service_port(s)}" for s in self.system.services}
        self.edge_proxies = create_edge_proxies(self.toxiproxy, self.system, upstreams, self.ledger)
        for service in start_order(self.system):
            self._start_service(service)
        self.supervisor.start()
        self.deploy_seconds = time.monotonic() - started

    def _service_env(self, service: str) -> dict[str, str]:
        spec = self.system.services[service]
        data_dir = self.run_dir / "data" / service
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **spec.env}
        env.update(
            {
                "FIREBREAK_SERVICE": service,
                "HOST": LOOPBACK,
                "PORT": str(self.service_port(service)),
                "DATA_DIR": str(data_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for dependency, dep_spec in spec.dependencies.items():
            env[dep_spec.env] = self.edge_proxies[f"{service}->{dependency}"].url
        env.update(self.env_overrides.get(service, {}))
        return env

    def _start_service(self, service: str) -> None:
        spec = self.system.services[service]
        env = self._service_env(service)
        for replica in range(spec.replicas):
            admin_port = free_port(LOOPBACK)
            slot = ReplicaSlot(
                service=service,
                replica=replica,
                admin_port=admin_port,
                command=self.system.command_of(service),
                env={**env, "ADMIN_PORT": str(admin_port)},
                workdir=self.system.workdir_of(service),
                log_path=self.run_dir / "logs" / f"{service}-{replica}.log",
                ready_path=spec.health.ready,
                labels={"app": service, "replica": str(replica)},
            )
            self.supervisor.add(slot)

    def wait_ready(self, timeout_s: float) -> float:
        started = time.monotonic()
        self.supervisor.wait_ready(timeout_s)
        return time.monotonic() - started

    # -- operations ---------------------------------------------------------------------------
    def instances(self, service: str | None = None) -> list[Instance]:
        return [
            slot.snapshot()
            for slot in self.supervisor.slots.values()
            if service is None or slot.service == service
        ]

    def kill(self, instance_id: str, replace: bool = True) -> None:
        self.supervisor.kill(instance_id, replace)

    def restore(self, instance_id: str) -> None:
        self.supervisor.restore(instance_id)

    def pause(self, instance_id: str) -> None:
        self.supervisor.pause(instance_id)

    def resume(self, instance_id: str) -> None:
        self.supervisor.resume(instance_id)

    # -- teardown -----------------------------------------------------------------------------
    def teardown(self) -> None:
        if self._torn_down:
            return
        self._torn_down = True
        self.supervisor.stop_all()
        if self.toxiproxy is not None and self.edge_proxies:
            # if this fails, the server goes next and takes its proxies with it
            with contextlib.suppress(FaultError):
                delete_edge_proxies(self.toxiproxy, self.edge_proxies, self.ledger)
        pid = self.toxiproxy_server.pid
        self.toxiproxy_server.stop()
        if self.ledger is not None and pid is not None:
            self.ledger.remove_process(pid)
