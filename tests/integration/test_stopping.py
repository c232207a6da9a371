"""Stopping on a shared machine: a background `firebreak up` (SIGINT ignored, as `sh -c 'cmd &'`
leaves it) still ends on SIGINT, a second signal forces a stuck teardown, an interrupted run
writes its verdict and ends with 130, and a pytest session stops at the first Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psutil
import pytest

from harness.ledger import read_ledgers
from tests.conftest import REPO_ROOT, TINY_SYSTEM


def wait_for_ledger(process, what: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ledgers = read_ledgers()
        if ledgers and what == "up" and ledgers[0].info.get("endpoints"):
            return ledgers[0]
        if ledgers and what == "fault" and ledgers[0].faults:
            return ledgers[0]
        if process.poll() is not None:
            pytest.fail(f"it ended early:\n{process.stdout.read() if process.stdout else ''}")
        time.sleep(0.1)
    pytest.fail(f"no {what} in the ledger within {timeout_s} s")


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]


def test_up_with_sigint_ignored_still_ends_on_sigint_and_leaves_nothing(
    spawn_harness, toxiproxy_server_binary
):
    process = spawn_harness("up", str(TINY_SYSTEM), ignore_sigint=True)
    pids = [p.pid for p in wait_for_ledger(process, "up").processes]
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Down: nothing of this system is left running." in output
    assert alive(pids) == [] and read_ledgers() == []


def test_a_second_signal_forces_a_teardown_that_would_wait(
    spawn_harness, tmp_path, toxiproxy_server_binary
):
    # a service that ignores SIGTERM: the orderly teardown would give it its 3 s grace
    system = tmp_path / "system.yaml"
    text = TINY_SYSTEM.read_text().replace(
        "    port: 18202\n", '    port: 18202\n    env: {TINY_IGNORE_SIGTERM: "1"}\n'
    )
    system.write_text(
        text.replace(
            '"{python}", "tiny_service.py"',
            f'"{{python}}", "{TINY_SYSTEM.parent / "tiny_service.py"}"',
        )
    )
    process = spawn_harness("up", str(system))
    pids = [p.pid for p in wait_for_ledger(process, "up").processes]
    process.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # tearing down, waiting on the stuck replicas
    forced_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert time.monotonic() - forced_at < 2.0
    assert process.returncode == 130, output
    assert "SIGTERM again while stopping: killing what is left" in output
    time.sleep(0.3)
    assert alive(pids) == [] and read_ledgers() == []


def test_an_interrupted_run_tears_down_writes_its_verdict_and_exits_130(
    spawn_harness, tmp_path, toxiproxy_server_binary
):
    process = spawn_harness(
        "run",
        str(REPO_ROOT / "scenarios" / "default.yaml"),
        "--time-scale",
        "0.3",
        "--out",
        str(tmp_path / "run"),
        "--port-offset",
        "2000",
        ignore_sigint=True,
    )
    ledger = wait_for_ledger(process, "fault", timeout_s=90)
    pids = [p.pid for p in ledger.processes]
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "The run was aborted: interrupted (SIGINT)" in output
    journal = (tmp_path / "run" / "journal.json").read_text()
    assert '"outcome": "aborted"' in journal
    time.sleep(0.3)
    assert alive(pids) == [] and read_ledgers() == []


def test_ctrl_c_in_a_pytest_session_stops_the_session_not_just_the_scenario(
    pytester: pytest.Pytester, tmp_path, toxiproxy_server_binary
):
    scenario = REPO_ROOT / "scenarios" / "default.yaml"
    pytester.makepyfile(
        test_two=f"""
        import pytest

        @pytest.mark.chaos(scenario={str(scenario)!r}, time_scale=0.3)
        def test_first(firebreak):
            firebreak.result

        @pytest.mark.chaos(scenario={str(scenario)!r}, time_scale=0.3)
        def test_second(firebreak):
            firebreak.result
        """
    )
    inner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--firebreak-port-offset",
            "2100",
            "test_two.py",
        ],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ledger = wait_for_ledger(inner, "fault", timeout_s=90)
        pids = [p.pid for p in ledger.processes]
        inner.send_signal(signal.SIGINT)
        output, _ = inner.communicate(timeout=60)
    finally:
        if inner.poll() is None:
            inner.kill()
            inner.wait(timeout=10)
    assert inner.returncode == pytest.ExitCode.INTERRUPTED, output
    # pytest's own interrupted summary, naming the run's verdict; the second test never started
    assert "RunInterrupted: The run was aborted: interrupted (SIGINT)" in output
    assert "no tests ran" in output
    time.sleep(0.3)
    assert alive(pids) == [] and read_ledgers() == []


def test_a_session_killed_mid_test_does_not_fail_the_next_one(
    pytester: pytest.Pytester, toxiproxy_server_binary
):
    # both sessions bring the same tiny system up on the same ports
    pytester.makepyfile(
        test_tiny=f"""
        import httpx
        from harness.ledger import Ledger
        from harness.platforms.local.platform import LocalPlatform
        from harness.system import load_system

        def test_tiny(tmp_path):
            ledger = Ledger("tiny-" + tmp_path.name, tmp_path)
            platform = LocalPlatform(load_system({str(TINY_SYSTEM)!r}), tmp_path, ledger=ledger)
            try:
                platform.deploy()
                platform.wait_ready(30)
                print("UP", flush=True)
                import time; time.sleep(float(__import__("os").environ.get("HOLD_S", "0")))
                assert httpx.get(platform.endpoints()["load"] + "/whoami").status_code == 200
            finally:
                platform.teardown()
                ledger.close()
        """
    )
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-s", "test_tiny.py"]
    killed = subprocess.Popen(
        command,
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**__import__("os").environ, "HOLD_S": "120"},
    )
    try:
        _wait_for_line(killed, "UP")
        killed.send_signal(signal.SIGKILL)  # no teardown, no finally: its system stays up
        killed.wait(timeout=10)
        (left,) = read_ledgers()
        assert alive([p.pid for p in left.processes])
        again = subprocess.run(
            command, cwd=pytester.path, capture_output=True, text=True, timeout=120
        )
    finally:
        if killed.poll() is None:
            killed.kill()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "cleaned up after 1 run(s) whose process was killed" in again.stdout
    assert "1 passed" in again.stdout
    assert read_ledgers() == []


def _wait_for_line(process, text: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if text in line:
            return
        if not line and process.poll() is not None:
            pytest.fail(f"the inner session ended before `{text}`")
    pytest.fail(f"no `{text}` within {timeout_s} s")
