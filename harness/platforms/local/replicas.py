"""Replica processes and the supervisor that keeps N of them alive, like a replication controller.

Each replica listens on a port of its own; the load balancer in front of them (see
`harness.platforms.local.platform`) decides who gets which connection. A killed replica is
restarted on the same port after `restart_delay_s`. Every kill, pause, exit, restart and return
to readiness is recorded with its time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.child_processes import log_tail
from harness.errors import PlatformError
from harness.ledger import Ledger
from harness.platforms.base import (
    INSTANCE_DOWN,
    INSTANCE_PAUSED,
    INSTANCE_REMOVED,
    INSTANCE_RUNNING,
    EventListener,
    Instance,
)
from harness.platforms.supervision import Supervisor

INSTANCE_STARTING = "starting"
SUPERVISOR_TICK_S = 0.05


@dataclass
class ReplicaSlot:
    service: str
    replica: int
    port: int  # this replica's own: health checks, metrics and the balancer reach it here
    command: list[str]
    env: dict[str, str]
    workdir: Path
    log_path: Path
    ready_path: str | None  # None: ready once a TCP connection is accepted
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None
    state: str = INSTANCE_STARTING
    restarts: int = 0
    restart_due_s: float | None = None  # monotonic
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def instance_id(self) -> str:
        return f"{self.service}-{self.replica}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def snapshot(self) -> Instance:
        return Instance(
            id=self.instance_id,
            service=self.service,
            replica=self.replica,
            state=self.state,
            pid=self.process.pid if self.process else None,
            url=self.url,
            restarts=self.restarts,
            labels=dict(self.labels),
        )


class ReplicaSupervisor(Supervisor[ReplicaSlot]):
    """Starts replica processes and restarts the ones that die after `restart_delay_s`."""

    tick_s = SUPERVISOR_TICK_S

    def __init__(
        self, restart_delay_s: float, ledger: Ledger | None, listeners: list[EventListener]
    ) -> None:
        super().__init__(restart_delay_s, listeners)
        self.ledger = ledger

    # -- processes ----------------------------------------------------------------------------
    def _spawn(self, slot: ReplicaSlot) -> None:
        slot.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**slot.env, "FIREBREAK_INSTANCE": slot.instance_id}
        with slot.log_path.open("ab") as log:
            try:
                slot.process = subprocess.Popen(
                    slot.command,
                    cwd=slot.workdir,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # the harness, not the terminal, decides its end
                )
            except OSError as exc:
                raise PlatformError(
                    f"`{slot.service}` could not be started with `{' '.join(slot.command)}` "
                    f"in {slot.workdir}: {exc.strerror}."
                ) from None
        if self.ledger is not None:
            self.ledger.add_process(slot.process.pid, f"replica {slot.instance_id}")
        slot.state = INSTANCE_STARTING

    def _forget(self, slot: ReplicaSlot) -> None:
        if slot.process is not None and self.ledger is not None:
            self.ledger.remove_process(slot.process.pid)

    def add(self, slot: ReplicaSlot) -> None:
        with self._lock:
            self.slots[slot.instance_id] = slot
            self._spawn(slot)

    # -- the loop -----------------------------------------------------------------------------
    def _tick(self) -> None:
        with self._lock:
            for slot in self.slots.values():
                self._tend(slot)

    def _tend(self, slot: ReplicaSlot) -> None:
        now = time.monotonic()
        process = slot.process
        alive_states = (INSTANCE_RUNNING, INSTANCE_STARTING, INSTANCE_PAUSED)
        if slot.state in alive_states and process is not None and process.poll() is not None:
            self._emit("exited", slot, f"exit code {process.returncode}")
            self._forget(slot)
            slot.state = INSTANCE_DOWN
            slot.restart_due_s = now + self.restart_delay_s
        due = slot.restart_due_s
        if slot.state == INSTANCE_DOWN and due is not None and now >= due:
            slot.restarts += 1
            slot.restart_due_s = None
            self._spawn(slot)
            self._emit("restarted", slot, f"restart {slot.restarts}")
        if slot.state == INSTANCE_STARTING and slot.restarts > 0 and self._is_ready(slot):
            slot.state = INSTANCE_RUNNING
            self._emit("ready", slot)

    # -- readiness ----------------------------------------------------------------------------
    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = [s for s in self.slots.values() if s.state == INSTANCE_STARTING]
        while pending:
            for slot in list(pending):
                if slot.process is not None and slot.process.poll() is not None:
                    raise PlatformError(
                        f"`{slot.instance_id}` exited with code {slot.process.returncode} "
                        f"before it was ready; the end of {slot.log_path}:\n"
                        + (log_tail(slot.log_path) or "(no log)")
                    )
                if self._is_ready(slot):
                    slot.state = INSTANCE_RUNNING
                    pending.remove(slot)
            if pending and time.monotonic() >= deadline:
                names = ", ".join(f"`{s.instance_id}`" for s in pending)
                raise PlatformError(
                    f"Not ready within {timeout_s:g} s: {names}; see the logs in "
                    f"{pending[0].log_path.parent}."
                )
            if pending:
                time.sleep(0.02)

    # -- operations ---------------------------------------------------------------------------
    def kill(self, instance_id: str, replace: bool) -> None:
        with self._lock:
            slot = self.slot(instance_id)
            if slot.process is None or slot.process.poll() is not None:
                raise PlatformError(f"`{instance_id}` is not running ({slot.state}).")
            slot.process.send_signal(signal.SIGKILL)
            slot.process.wait()
            self._forget(slot)
            self._after_kill(slot, replace)

    def pause(self, instance_id: str) -> None:
        self._signal(instance_id, signal.SIGSTOP, INSTANCE_PAUSED, "paused")

    def resume(self, instance_id: str) -> None:
        self._signal(instance_id, signal.SIGCONT, INSTANCE_RUNNING, "resumed")

    def _signal(self, instance_id: str, signum: int, new_state: str, kind: str) -> None:
        with self._lock:
            slot = self.slot(instance_id)
            if slot.process is None or slot.process.poll() is not None:
                raise PlatformError(f"`{instance_id}` is not running ({slot.state}).")
            slot.process.send_signal(signum)
            slot.state = new_state
            self._emit(kind, slot)

    def stop_all(self, grace_s: float = 3.0) -> None:
        """Stop the loop, then every replica: SIGCONT (a frozen one cannot exit), TERM, KILL."""
        self._stop_loop()
        with self._lock:
            live = [s for s in self.slots.values() if s.process and s.process.poll() is None]
            for slot in live:
                _signal_group(slot.process, signal.SIGCONT)
                _signal_group(slot.process, signal.SIGTERM)
            deadline = time.monotonic() + grace_s
            for slot in live:
                remaining = max(0.0, deadline - time.monotonic())
                try:
                    slot.process.wait(timeout=remaining)
                except subprocess.TimeoutExpired:
                    _signal_group(slot.process, signal.SIGKILL)
                    slot.process.wait(timeout=2)
            for slot in self.slots.values():
                self._forget(slot)
                slot.state = INSTANCE_REMOVED
        self._http.close()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    # each replica leads its own session; signal the group so its children go too
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
