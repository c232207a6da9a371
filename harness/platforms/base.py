"""The contract every platform keeps: a small Protocol plus the records it hands back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from harness.edge_proxies import EdgeProxy
    from harness.faults.toxiproxy import ToxiproxyClient

INSTANCE_RUNNING = "running"
INSTANCE_PAUSED = "paused"
INSTANCE_DOWN = "down"  # killed or exited, waiting for its replacement
INSTANCE_REMOVED = "removed"  # killed without replacement


@dataclass(frozen=True)
class Instance:
    """One replica of a service, like a pod: labels select it, its URL reaches only it."""

    id: str
    service: str
    replica: int
    state: str
    pid: int | None
    url: str  # reaches this one replica (health checks, metrics), not the balancer
    restarts: int = 0
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlatformEvent:
    """Something the platform did or saw: `killed`, `paused`, `resumed`, `exited`, `restarted`."""

    t_s: float  # unix time
    kind: str
    service: str
    instance: str
    detail: str = ""


EventListener = Callable[[PlatformEvent], None]


class Platform(Protocol):
    """What a scenario needs from wherever the system runs."""

    name: str
    toxiproxy: ToxiproxyClient | None  # the API of the Toxiproxy holding every edge's proxy
    edge_proxies: dict[str, EdgeProxy]
    edge_urls: dict[str, str]  # edge name → the URL its caller uses
    deploy_seconds: float | None

    @property
    def toxiproxy_version(self) -> str:
        """The version the Toxiproxy server reported, once deployed."""

    def add_listener(self, listener: EventListener) -> None:
        """Call `listener` with every `PlatformEvent` from now on."""

    @property
    def balancer_api(self) -> str | None:
        """`host:port` of the runtime API of the HAProxy on every edge, once deployed."""

    def own_pids(self) -> list[int]:
        """Host pids of the run's own helpers (Toxiproxy, a balancer): their CPU is the run's."""

    def in_rotation(self) -> dict[str, dict[str, str]]:
        """Service → replica → whether callers' connections can reach it (`UP`, `DOWN`...)."""

    def deploy(self) -> None:
        """Start Toxiproxy, the edge proxies and every replica; raise `PlatformError` on failure."""

    def wait_ready(self, timeout_s: float) -> float:
        """Wait until every replica answers its ready path; returns the seconds it took."""

    def instances(self, service: str | None = None) -> list[Instance]:
        """The current replicas, of one service or of all."""

    def kill(self, instance_id: str, replace: bool = True) -> None:
        """Kill one instance at once (SIGKILL, container kill, pod delete with grace 0)."""

    def restore(self, instance_id: str) -> None:
        """Bring back an instance killed without replacement (the end of a scale-down)."""

    def pause(self, instance_id: str) -> None:
        """Freeze an instance: it keeps its connections and its share of traffic, answers none."""

    def resume(self, instance_id: str) -> None:
        """Thaw a paused instance."""

    def endpoints(self) -> dict[str, str]:
        """Service name → base URL straight to the service; `load` → the front door's proxy."""

    def teardown(self) -> None:
        """Stop everything this platform started; safe to call twice and after a failed deploy."""
