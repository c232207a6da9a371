"""SIGKILL the harness in the middle of a fault window: `firebreak cleanup` leaves no toxic, no
proxy and no process behind (issue 3 §2, §7)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from harness.faults.toxiproxy import ToxiproxyClient
from harness.ledger import read_ledgers
from tests.conftest import REPO_ROOT

FIREBREAK = [sys.executable, "-m", "harness.cli.main"]


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]


def toxiproxy_of(ledger) -> ToxiproxyClient:
    host, _, port = ledger.toxiproxy.rpartition(":")
    return ToxiproxyClient(host, int(port))


def toxic_in_place(ledger) -> bool:
    fault = ledger.faults[0]
    with contextlib.suppress(Exception):  # Toxiproxy still starting, or the proxy not made yet
        return fault.toxic in [t.name for t in toxiproxy_of(ledger).toxics(fault.proxy)]
    return False


def run_until_a_fault_is_in_place(
    spawn_harness, scenario: Path, out: Path, port_offset: int, in_place, timeout_s: float = 90
):
    """Start `firebreak run` in its own process and wait until its ledger names a fault that
    `in_place(ledger)` finds really applied (the ledger names a fault *before* it is applied, so
    a crash in between is still cleaned up); returns the process and that ledger."""
    run = spawn_harness(
        "run",
        str(scenario),
        "--time-scale",
        "0.5",
        "--out",
        str(out),
        "--port-offset",
        str(port_offset),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ledgers = read_ledgers()
        if ledgers and ledgers[0].faults and in_place(ledgers[0]):
            return run, ledgers[0]
        assert run.poll() is None, "the run ended before its fault window"
        time.sleep(0.1)
    raise AssertionError(f"no fault was applied within {timeout_s:g} s")


def test_cleanup_after_sigkill_in_a_fault_window(tmp_path, spawn_harness, toxiproxy_server_binary):
    run, ledger = run_until_a_fault_is_in_place(
        spawn_harness,
        REPO_ROOT / "scenarios" / "default.yaml",
        tmp_path / "run",
        1700,
        toxic_in_place,
    )
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=5)

    pids = [p.pid for p in ledger.processes]
    assert len(alive(pids)) == len(pids) >= 14  # 12 replicas, Toxiproxy, the load child
    toxiproxy = toxiproxy_of(ledger)
    fault = ledger.faults[0]
    assert [t.name for t in toxiproxy.toxics(fault.proxy)] == [fault.toxic]  # left behind

    cleanup = subprocess.run([*FIREBREAK, "cleanup"], capture_output=True, text=True, timeout=60)
    assert cleanup.returncode == 0, cleanup.stderr
    assert "1 faults reverted" in cleanup.stdout
    time.sleep(0.3)
    assert alive(pids) == []
    assert not toxiproxy.is_up()
    assert read_ledgers() == []
    for process in psutil.process_iter(["cmdline"]):
        # any process started for this run carries its folder in DATA_DIR or its log path
        with contextlib.suppress(psutil.Error):
            if str(tmp_path) in " ".join(process.environ().values()):
                pytest.fail(f"a process survived the cleanup: {process.info['cmdline']}")
