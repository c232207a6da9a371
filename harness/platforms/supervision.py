"""What every replica supervisor shares, whatever a replica is (a process, a container): the
slots by instance id, the events it emits, the background loop, readiness (over HTTP, or a TCP
connection accepted for what answers no HTTP), and the platform methods that hand kills, pauses
and restores to it."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Generic, Protocol, TypeVar

import httpx

from harness.errors import PlatformError
from harness.platforms.base import INSTANCE_DOWN, INSTANCE_REMOVED, EventListener, Instance
from harness.platforms.base import PlatformEvent as Event

TCP_CHECK_TIMEOUT_S = 0.5  # as long as an HTTP readiness check may take


class Slot(Protocol):
    service: str
    state: str
    restart_due_s: float | None

    @property
    def instance_id(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def ready_path(self) -> str | None: ...  # None: ready once a TCP connection is accepted

    def snapshot(self) -> Instance: ...


SlotT = TypeVar("SlotT", bound=Slot)


def slot_of(slots: dict[str, Any], instance_id: str) -> Any:
    """The slot of an instance, or a `PlatformError` that names the instances there are."""
    try:
        return slots[instance_id]
    except KeyError:
        known = ", ".join(f"`{i}`" for i in slots)
        raise PlatformError(
            f"There is no instance `{instance_id}`; known instances: {known}."
        ) from None


def tcp_accepts(url: str, timeout_s: float = TCP_CHECK_TIMEOUT_S) -> bool:
    """Whether the replica at `url` accepts a TCP connection (closed at once, as HAProxy's and
    Kubernetes' TCP checks do): readiness for a data store or a gRPC server."""
    parsed = httpx.URL(url)
    try:
        with socket.create_connection((parsed.host, parsed.port or 80), timeout=timeout_s):
            return True
    except OSError:
        return False


class Supervisor(Generic[SlotT]):
    """Keeps N replicas alive: a subclass starts, checks and signals them; this holds them."""

    thread_name = "replica-supervisor"
    tick_s = 0.05

    def __init__(self, restart_delay_s: float, listeners: list[EventListener]) -> None:
        self.restart_delay_s = restart_delay_s
        self.listeners = listeners
        self.slots: dict[str, SlotT] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = httpx.Client(timeout=0.5)

    def _emit(self, kind: str, slot: SlotT, detail: str = "") -> None:
        event = Event(time.time(), kind, slot.service, slot.instance_id, detail)
        for listener in list(self.listeners):
            listener(event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            self._tick()

    def _tick(self) -> None:
        raise NotImplementedError

    def _stop_loop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def slot(self, instance_id: str) -> SlotT:
        return slot_of(self.slots, instance_id)

    def _is_ready(self, slot: SlotT) -> bool:
        if slot.ready_path is None:
            return tcp_accepts(slot.url)
        try:
            return self._http.get(slot.url + slot.ready_path).status_code == 200
        except httpx.HTTPError:
            return False

    def _after_kill(self, slot: SlotT, replace: bool) -> None:
        """Down and due for a restart (or removed, for a scale-down); said as `killed`."""
        slot.state = INSTANCE_DOWN if replace else INSTANCE_REMOVED
        slot.restart_due_s = time.monotonic() + self.restart_delay_s if replace else None
        self._emit("killed", slot, "replaced" if replace else "not replaced")

    def restore(self, instance_id: str) -> None:
        """Bring back a replica killed without replacement (the end of a scale-down fault)."""
        with self._lock:
            slot = self.slot(instance_id)
            if slot.state == INSTANCE_REMOVED:
                slot.state = INSTANCE_DOWN
                slot.restart_due_s = time.monotonic()

    def kill(self, instance_id: str, replace: bool) -> None:
        raise NotImplementedError

    def pause(self, instance_id: str) -> None:
        raise NotImplementedError

    def resume(self, instance_id: str) -> None:
        raise NotImplementedError


class SupervisedPlatform:
    """The platform methods a supervisor answers for (`self.supervisor` is set by the platform)."""

    supervisor: Any
    listeners: list[EventListener]

    def add_listener(self, listener: EventListener) -> None:
        self.listeners.append(listener)

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
