"""Run sample apps in-process on real sockets (ports 18100-18199 only), one thread each."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from sample_system.common.serve import LISTEN_BACKLOG

# This suite's share of ports; other engineers' tests use other ranges.
PORT_RANGE = range(18110, 18200)
_ports = itertools.cycle(PORT_RANGE)
_ports_lock = threading.Lock()


def next_port() -> int:
    """A port from this suite's range (cycled; each test uses a handful)."""
    with _ports_lock:
        return next(_ports)


class ServerThread:
    """A uvicorn server for one app on its own event loop in a daemon thread."""

    def __init__(self, app: FastAPI, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            backlog=LISTEN_BACKLOG,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout_s: float = 5.0) -> None:
        self._thread.start()
        deadline_s = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline_s or not self._thread.is_alive():
                raise RuntimeError(f"The test server on port {self.port} did not start.")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=5.0)


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[ServerThread]:
    """Serve ``app`` for the duration of the block."""
    server = ServerThread(app, port or next_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_until(predicate: object, timeout_s: float, interval_s: float = 0.05) -> bool:
    """Poll ``predicate()`` until it is true or the time is up."""
    deadline_s = time.monotonic() + timeout_s
    while time.monotonic() < deadline_s:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval_s)
    return bool(predicate())  # type: ignore[operator]


def metric_value(base_url: str, name: str, **labels: str) -> float:
    """One sample's value from a service's /metrics (0.0 when absent)."""
    text = httpx.get(f"{base_url}/metrics", timeout=2.0).text
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        if series.split("{")[0] != name:
            continue
        if all(f'{key}="{val}"' in series for key, val in labels.items()):
            return float(value)
    return 0.0
