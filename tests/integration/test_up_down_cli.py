"""`firebreak up/status/down/cleanup` as a user runs them: real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from harness.ledger import read_ledgers
from tests.conftest import TINY_SYSTEM

FIREBREAK = [sys.executable, "-m", "harness.cli.main"]
# Toxiproxy, HAProxy and two replicas each of `front` and `back`
PROCESSES_UP = 6


@pytest.fixture
def start_up():
    """Starts `firebreak up`; whatever the test does, nothing it started outlives it (a failed
    assertion must not leave a system holding the next test's ports)."""
    started: list[subprocess.Popen[str]] = []

    def start(extra: list[str] | None = None) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [*FIREBREAK, "up", str(TINY_SYSTEM), *(extra or [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    subprocess.run([*FIREBREAK, "cleanup"], capture_output=True, timeout=60, check=False)


def wait_until_up(process: subprocess.Popen[str], timeout_s: float = 20) -> list[int]:
    """Wait for the ledger to list every process; returns their pids."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ledgers = read_ledgers()
        if ledgers and ledgers[0].info.get("endpoints"):
            return [p.pid for p in ledgers[0].processes]
        if process.poll() is not None:
            pytest.fail(f"`firebreak up` exited early:\n{process.stdout.read()}")
        time.sleep(0.1)
    process.kill()
    pytest.fail("`firebreak up` did not come up within the time")


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_leaves_nothing_behind(signum, start_up, toxiproxy_server_binary):
    process = start_up()
    pids = wait_until_up(process)
    assert len(pids) == PROCESSES_UP
    process.send_signal(signum)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Down: nothing of this system is left running." in output
    assert alive(pids) == []
    assert read_ledgers() == []


def test_status_then_down_from_another_terminal(start_up, toxiproxy_server_binary):
    process = start_up()
    pids = wait_until_up(process)
    status = subprocess.run([*FIREBREAK, "status"], capture_output=True, text=True, timeout=30)
    assert f"processes: {PROCESSES_UP}/{PROCESSES_UP} alive" in status.stdout
    assert status.stdout.count("yes") == 3  # front, back and the front-door proxy answer
    down = subprocess.run([*FIREBREAK, "down"], capture_output=True, text=True, timeout=30)
    assert down.returncode == 0 and "down." in down.stdout
    process.wait(timeout=10)
    assert alive(pids) == []


def test_cleanup_after_sigkill_of_the_harness(start_up, toxiproxy_server_binary):
    process = start_up()
    pids = wait_until_up(process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=5)
    assert len(alive(pids)) == PROCESSES_UP  # the harness is gone; what it started is not
    cleanup = subprocess.run([*FIREBREAK, "cleanup"], capture_output=True, text=True, timeout=30)
    assert cleanup.returncode == 0
    assert f"{PROCESSES_UP} processes killed" in cleanup.stdout
    time.sleep(0.2)
    assert alive(pids) == []
    assert read_ledgers() == []


def test_a_missing_toxiproxy_says_how_to_install_it(tmp_path):
    env = {**os.environ, "FIREBREAK_TOXIPROXY": str(tmp_path / "nope")}
    result = subprocess.run(
        [*FIREBREAK, "up", str(TINY_SYSTEM), "--for", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 3
    assert "go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_ledgers() == []
