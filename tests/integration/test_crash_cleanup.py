"""SIGKILL the harness in the middle of a fault window: `firebreak cleanup` leaves no toxic, no
proxy and no process behind (issue 3 §2, §7)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time

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


def test_cleanup_after_sigkill_in_a_fault_window(tmp_path, spawn_harness, toxiproxy_server_binary):
    run = spawn_harness(
        "run",
        str(REPO_ROOT / "scenarios" / "default.yaml"),
        "--time-scale",
        "0.5",
        "--out",
        str(tmp_path / "run"),
        "--port-offset",
        "1700",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    ledger = None
    while time.monotonic() < deadline:
        ledgers = read_ledgers()
        # the ledger names a fault before the toxic is added (so a crash in between is still
        # cleaned up): the window has begun once Toxiproxy has the toxic too
        if ledgers and ledgers[0].faults and toxic_in_place(ledgers[0]):
            ledger = ledgers[0]
            break
        assert run.poll() is None, "the run ended before its fault window"
        time.sleep(0.1)
    assert ledger is not None, "no fault was applied within 90 s"
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
