"""What a run has started or injected, on disk, so that a crash can be cleaned up.

Every process, proxy and toxic is written here *before* it is started or applied and struck off
when it is stopped or reverted. After a SIGKILL of the harness, `firebreak cleanup` (and the start
of the next run) reads the ledgers whose owner is gone and removes what they still hold.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil


def state_dir() -> Path:
    """Where ledgers live: `FIREBREAK_STATE_DIR`, else `$XDG_STATE_HOME/firebreak`."""
    override = os.environ.get("FIREBREAK_STATE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "firebreak"


@dataclass
class LedgerProcess:
    pid: int
    create_time: float  # with the pid, tells a reused pid from ours
    what: str


@dataclass
class LedgerToxic:
    """A fault on an edge: a toxic, a disabled proxy, or an HTTP rule on the balancer."""

    toxiproxy: str  # host:port of Toxiproxy's API ("" for an HTTP rule)
    proxy: str  # the Toxiproxy proxy, or for an HTTP rule the balancer's frontend
    toxic: str  # the toxic's or HTTP rule's name, or "" for a disabled proxy (the `down` fault)
    kind: str = "toxic"  # "toxic", "down" or "http"
    balancer: str = ""  # host:port of HAProxy's runtime API, for an HTTP rule


@dataclass
class LedgerData:
    run_id: str
    owner_pid: int
    owner_create_time: float
    started_at: float
    run_dir: str = ""
    kind: str = "run"  # "run" or "up"
    toxiproxy: str = ""
    processes: list[LedgerProcess] = field(default_factory=list)
    proxies: list[str] = field(default_factory=list)
    faults: list[LedgerToxic] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def _process_create_time(pid: int) -> float:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return 0.0


def process_is_ours(pid: int, create_time: float) -> bool:
    """True when `pid` still runs and is the very process recorded (not a reused pid)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return abs(process.create_time() - create_time) < 0.5
    except psutil.Error:
        return False


class Ledger:
    """One run's ledger file; every change is written through atomically."""

    def __init__(self, run_id: str, run_dir: Path | None = None, kind: str = "run") -> None:
        self.path = state_dir() / f"{run_id}.json"
        own_pid = os.getpid()
        self.data = LedgerData(
            run_id=run_id,
            owner_pid=own_pid,
            owner_create_time=_process_create_time(own_pid),
            started_at=time.time(),
            run_dir=str(run_dir or ""),
            kind=kind,
        )
        self._lock = threading.Lock()
        self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self.data), indent=1))
        os.replace(temporary, self.path)

    def set_toxiproxy(self, address: str) -> None:
        with self._lock:
            self.data.toxiproxy = address
            self._write()

    def set_info(self, **info: Any) -> None:
        with self._lock:
            self.data.info.update(info)
            self._write()

    def add_process(self, pid: int, what: str) -> None:
        with self._lock:
            self.data.processes.append(LedgerProcess(pid, _process_create_time(pid), what))
            self._write()

    def remove_process(self, pid: int) -> None:
        with self._lock:
            self.data.processes = [p for p in self.data.processes if p.pid != pid]
            self._write()

    def add_proxy(self, name: str) -> None:
        with self._lock:
            self.data.proxies.append(name)
            self._write()

    def remove_proxy(self, name: str) -> None:
        with self._lock:
            self.data.proxies = [p for p in self.data.proxies if p != name]
            self._write()

    def add_fault(self, entry: LedgerToxic) -> None:
        with self._lock:
            self.data.faults.append(entry)
            self._write()

    def remove_fault(self, entry: LedgerToxic) -> None:
        with self._lock:
            self.data.faults = [f for f in self.data.faults if f != entry]
            self._write()

    def close(self) -> None:
        """The run ended cleanly: nothing is left to clean up."""
        with self._lock:
            self.path.unlink(missing_ok=True)


def read_ledgers() -> list[LedgerData]:
    found: list[LedgerData] = []
    folder = state_dir()
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(path.read_text())
            raw["processes"] = [LedgerProcess(**p) for p in raw.get("processes", [])]
            raw["faults"] = [LedgerToxic(**f) for f in raw.get("faults", [])]
            found.append(LedgerData(**raw))
        except (OSError, ValueError, TypeError):
            continue  # a half-written or foreign file is not ours to act on
    return found


def ledger_owner_alive(data: LedgerData) -> bool:
    return process_is_ours(data.owner_pid, data.owner_create_time)


def ledger_path(run_id: str) -> Path:
    return state_dir() / f"{run_id}.json"
