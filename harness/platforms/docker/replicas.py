"""Replica containers and the supervisor that keeps N of them alive.

The engine does not restart a container killed through its API (and a restart policy would hide
the kill from us), so Firebreak restarts it, after `restart_delay_s`, like a replication
controller would: the same container starts again, keeps its name and its network alias, and
may get a new address. Every kill, pause, exit, restart and return to readiness is recorded.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from harness.errors import PlatformError
from harness.platforms.base import (
    INSTANCE_DOWN,
    INSTANCE_PAUSED,
    INSTANCE_REMOVED,
    INSTANCE_RUNNING,
    EventListener,
    Instance,
)
from harness.platforms.supervision import Supervisor

if TYPE_CHECKING:
    from docker.models.containers import Container

INSTANCE_STARTING = "starting"
# one list call per tick for every container of the run: a few API calls a second, not one per
# replica per tick (the engine's CPU counts against the run's measurements)
SUPERVISOR_TICK_S = 0.2
LOG_TAIL_LINES = 30


@dataclass
class ContainerSlot:
    service: str
    replica: int
    port: int  # inside the container; reached at the container's own address
    network: str
    ready_path: str | None  # None: ready once a TCP connection is accepted
    container: Container
    state: str = INSTANCE_STARTING
    restarts: int = 0
    restart_due_s: float | None = None  # monotonic
    address: str = ""
    pid: int | None = None
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def instance_id(self) -> str:
        return f"{self.service}-{self.replica}"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def refresh(self) -> str:
        """Read the container's status, address and host pid from the engine."""
        self.container.reload()
        attrs = self.container.attrs
        networks = attrs.get("NetworkSettings", {}).get("Networks", {})
        self.address = networks.get(self.network, {}).get("IPAddress", "") or self.address
        self.pid = attrs.get("State", {}).get("Pid") or None
        return str(self.container.status)

    def snapshot(self) -> Instance:
        return Instance(
            id=self.instance_id,
            service=self.service,
            replica=self.replica,
            state=self.state,
            pid=self.pid,
            url=self.url,
            restarts=self.restarts,
            labels=dict(self.labels),
        )

    def log_tail(self) -> str:
        with contextlib.suppress(Exception):
            return self.container.logs(tail=LOG_TAIL_LINES).decode(errors="replace")
        return ""


class ContainerSupervisor(Supervisor[ContainerSlot]):
    """Starts replica containers and restarts the ones that die after `restart_delay_s`."""

    thread_name = "container-supervisor"
    tick_s = SUPERVISOR_TICK_S

    def __init__(
        self,
        list_states: Callable[[], dict[str, str]],
        restart_delay_s: float,
        listeners: list[EventListener],
    ) -> None:
        super().__init__(restart_delay_s, listeners)
        self.list_states = list_states  # container id → status, for the whole run

    def add(self, slot: ContainerSlot) -> None:
        with self._lock:
            self.slots[slot.instance_id] = slot
            slot.container.start()
            slot.refresh()

    # -- the loop -----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.wait(SUPERVISOR_TICK_S):
            with self._lock:
                try:
                    states = self.list_states()
                except Exception:
                    continue
                for slot in self.slots.values():
                    with contextlib.suppress(Exception):
                        self._tend(slot, states.get(slot.container.id, "removed"))

    def _tend(self, slot: ContainerSlot, status: str) -> None:
        now = time.monotonic()
        alive = slot.state in (INSTANCE_RUNNING, INSTANCE_STARTING, INSTANCE_PAUSED)
        if alive and status in ("exited", "dead") and slot.refresh() in ("exited", "dead"):
            code = slot.container.attrs.get("State", {}).get("ExitCode")
            self._emit("exited", slot, f"exit code {code}")
            slot.state = INSTANCE_DOWN
            slot.restart_due_s = now + self.restart_delay_s
        due = slot.restart_due_s
        if slot.state == INSTANCE_DOWN and due is not None and now >= due:
            slot.restarts += 1
            slot.restart_due_s = None
            slot.container.start()
            slot.refresh()
            slot.state = INSTANCE_STARTING
            self._emit("restarted", slot, f"restart {slot.restarts}")
        if slot.state == INSTANCE_STARTING and slot.restarts > 0 and self._is_ready(slot):
            slot.state = INSTANCE_RUNNING
            self._emit("ready", slot)

    def _is_ready(self, slot: ContainerSlot) -> bool:
        return bool(slot.address) and super()._is_ready(slot)

    # -- readiness ----------------------------------------------------------------------------
    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = [s for s in self.slots.values() if s.state == INSTANCE_STARTING]
        while pending:
            # one list call a round for the whole run (an inspect per replica every 50 ms kept
            # the engine busy while the replicas started); a slot's address is known since add()
            states = self.list_states()
            for slot in list(pending):
                exited = states.get(slot.container.id) in ("exited", "dead")
                if exited and slot.refresh() in ("exited", "dead"):
                    code = slot.container.attrs.get("State", {}).get("ExitCode")
                    raise PlatformError(
                        f"`{slot.instance_id}` (container {slot.container.name}) exited with "
                        f"code {code} before it was ready; the end of its log:\n"
                        + (slot.log_tail() or "(no log)")
                    )
                if self._is_ready(slot):
                    slot.state = INSTANCE_RUNNING
                    pending.remove(slot)
            if pending and time.monotonic() >= deadline:
                names = ", ".join(f"`{s.instance_id}`" for s in pending)
                raise PlatformError(
                    f"Not ready within {timeout_s:g} s: {names}; the end of "
                    f"{pending[0].container.name}'s log:\n" + (pending[0].log_tail() or "(none)")
                )
            if pending:
                time.sleep(0.05)

    # -- operations ---------------------------------------------------------------------------
    def kill(self, instance_id: str, replace: bool) -> None:
        with self._lock:
            slot = self.slot(instance_id)
            if slot.refresh() not in ("running", "paused"):
                raise PlatformError(f"`{instance_id}` is not running ({slot.state}).")
            slot.container.kill("SIGKILL")  # a paused one too: the freezer lets SIGKILL through
            slot.container.wait(condition="not-running", timeout=10)
            slot.refresh()
            self._after_kill(slot, replace)

    def pause(self, instance_id: str) -> None:
        with self._lock:
            slot = self.slot(instance_id)
            if slot.refresh() != "running":
                raise PlatformError(f"`{instance_id}` is not running ({slot.state}).")
            slot.container.pause()  # the cgroup freezer: it keeps its sockets, answers nothing
            slot.state = INSTANCE_PAUSED
            self._emit("paused", slot)

    def resume(self, instance_id: str) -> None:
        with self._lock:
            slot = self.slot(instance_id)
            if slot.refresh() != "paused":
                raise PlatformError(f"`{instance_id}` is not paused ({slot.state}).")
            slot.container.unpause()
            slot.state = INSTANCE_RUNNING
            self._emit("resumed", slot)

    def stop(self) -> None:
        """Stop the loop (the platform removes the containers, found by label)."""
        self._stop_loop()
        with self._lock:
            for slot in self.slots.values():
                slot.state = INSTANCE_REMOVED
        self._http.close()
