"""A game day run the way a person runs it: `firebreak gameday` as its own process (its own
session, so a test can Ctrl-C it as a terminal would), its own ledger folder, its console's
state read over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from harness.ledger import ledger_path
from tests.conftest import REPO_ROOT

PORT_OFFSET = 1700


def _alive(pid: int, create_time: float) -> bool:
    import psutil

    try:
        return abs(psutil.Process(pid).create_time() - create_time) < 1.0
    except psutil.Error:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Exercise:
    def __init__(self, out: Path, shots: Path) -> None:
        self.out = out
        self.shots = shots
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = out.parent / "gameday.log"
        self.process: subprocess.Popen | None = None
        self.figures: dict[str, float] = {}
        self.state_dir = out.parent / "state"

    def start(self, *extra: str) -> None:
        command = [
            sys.executable, "-m", "harness.cli.main", "gameday", "--no-browser",
            "--port", str(self.port), "--port-offset", str(PORT_OFFSET),
            "--warmup", "2s", "--baseline", "6s", "--users", "8", "--out", str(self.out),
            *extra,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            # its own ledger folder: the tests' per-test folders come and go around it
            env={**os.environ, "FIREBREAK_STATE_DIR": str(self.state_dir)},
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until(self, what: str, predicate, timeout_s: float):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, (
                f"the game day exited while waiting for {what}:\n{self.log.read_text()[-3000:]}"
            )
            try:
                value = predicate()
            except requests.RequestException:
                value = None
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"no {what} within {timeout_s} s:\n{self.log.read_text()[-3000:]}")

    def state(self) -> dict:
        return requests.get(self.url + "api/state", timeout=5).json()

    def ledger_file(self) -> Path:
        return self.state_dir / ledger_path(self.out.name).name

    def ledger(self) -> dict:
        return json.loads(self.ledger_file().read_text())

    def toxiproxy(self) -> str:
        return self.ledger()["toxiproxy"]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def wait_for_exercise(self) -> None:
        """Up, loaded, baseline measured; remembers what it started, to find none later."""
        self.wait_until(
            "console with a measured baseline",
            lambda: self.state()["phase"] == "exercise",
            timeout_s=90,
        )
        self.started = [(p["pid"], p["create_time"]) for p in self.ledger()["processes"]]

    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(self.url + path, json=body, timeout=10)

    def assert_nothing_left(self) -> None:
        assert self.started, "the ledger named what the exercise started"
        alive = [pid for pid, created in self.started if _alive(pid, created)]
        assert not alive, f"left running after the exercise ended: {alive}"
        assert not self.ledger_file().exists()

    def cleanup(self) -> None:
        """Stop it if a test left it running, then `firebreak cleanup` its ledger folder."""
        self.stop()
        subprocess.run(
            [sys.executable, "-m", "harness.cli.main", "cleanup"],
            cwd=REPO_ROOT,
            env={**os.environ, "FIREBREAK_STATE_DIR": str(self.state_dir)},
            check=False,
        )
