"""The load driver against a real Locust child and a tiny real HTTP server on 127.0.0.1.

Ports 18300-18389 only (other suites use other ranges).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from harness.errors import LoadError
from harness.load import LoadDriver, LoadSecond, total_load
from harness.load.driver import group_has_live_members
from harness.ports import first_free_port

pytestmark = pytest.mark.integration

TINY_SERVER = Path(__file__).with_name("tiny_server.py")
PORTS = range(18300, 18390)

LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Shopper(FastHttpUser):
    wait_time = constant(0.02)

    @task(3)
    def ok(self):
        self.client.get("/ok")

    @task
    def degraded(self):  # named with its method, as sample_system's locustfile does
        self.client.get("/degraded", name="GET /degraded")

    @task
    def fail(self):
        self.client.get("/fail")
"""

# Freezes the whole child a second after the test starts: a child that will never answer SIGTERM.
FREEZING_LOCUSTFILE = (
    LOCUSTFILE
    + """
import os, signal
import gevent
from locust import events

@events.test_start.add_listener
def freeze_soon(**kwargs):
    gevent.spawn_later(1.0, os.kill, os.getpid(), signal.SIGSTOP)
"""
)


def _free_port() -> int:
    return first_free_port(PORTS)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, str(TINY_SERVER), str(port)])
    try:
        deadline_s = time.monotonic() + 10
        while time.monotonic() < deadline_s:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait()


def _write(tmp_path: Path, text: str, name: str = "locustfile.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def _assert_stream_is_one_sane_stream(seconds: list[LoadSecond]) -> None:
    assert len(seconds) >= 3
    times_s = [s.t_s for s in seconds]
    assert times_s == list(range(times_s[0], times_s[0] + len(times_s))), "gaps or repeats"
    totals = total_load(seconds)
    assert totals.requests > 0
    assert total_load(seconds, "GET /fail").failures == total_load(seconds, "GET /fail").requests
    assert total_load(seconds, "GET /fail").failures > 0
    assert total_load(seconds, "GET /degraded").degraded > 0
    assert total_load(seconds, "GET /degraded").failures == 0
    assert total_load(seconds, "GET /ok").failures == total_load(seconds, "GET /ok").degraded == 0
    assert totals.failures == total_load(seconds, "GET /fail").requests
    assert totals.p50_ms is not None and totals.p99_ms is not None
    assert 0 < totals.p50_ms <= totals.p95_ms <= totals.p99_ms < 1_000  # type: ignore[operator]
    assert max(s.users for s in seconds) == 5
    # every answer counted by its status, in the local child and through workers to the master
    statuses: dict[str, dict[str, int]] = {}
    whole_ok: dict[str, int] = {}
    for second in seconds:
        for name, figures in second.endpoints.items():
            for status, count in figures.statuses.items():
                statuses.setdefault(name, {}).setdefault(status, 0)
                statuses[name][status] += count
            whole_ok[name] = whole_ok.get(name, 0) + figures.whole_ok
    assert statuses["GET /ok"] == {"200": total_load(seconds, "GET /ok").requests}
    assert statuses["GET /fail"] == {"500": total_load(seconds, "GET /fail").requests}
    assert statuses["GET /degraded"] == {"200": total_load(seconds, "GET /degraded").requests}
    assert whole_ok == {"GET /ok": statuses["GET /ok"]["200"], "GET /fail": 0, "GET /degraded": 0}


@pytest.mark.parametrize("workers", [0, 2])
def test_driver_streams_per_second_figures_and_leaves_no_process(
    tmp_path: Path, server_url: str, workers: int
) -> None:
    received: list[LoadSecond] = []
    driver = LoadDriver(
        _write(tmp_path, LOCUSTFILE),
        server_url,
        users=5,
        spawn_rate=50,
        workers=workers,
        seed=7,
        log_path=tmp_path / "load.log",
        on_second=received.append,
    )
    with driver:
        driver.wait_started(timeout_s=30)
        assert driver.pgid == driver.pid
        time.sleep(4)
    assert _group_members(driver.pgid) == []  # type: ignore[arg-type]
    assert received == driver.seconds
    _assert_stream_is_one_sane_stream(driver.seconds)
    # The child's own totals agree with the sum of its seconds: nothing lost at the edges.
    assert driver.done is not None
    assert driver.done["requests"] == total_load(driver.seconds).requests
    assert driver.failure is None


def _held_driver(tmp_path: Path, server_url: str, workers: int) -> LoadDriver:
    """A driver started with `hold`, once its child (and workers) are loaded and holding."""
    driver = LoadDriver(
        _write(tmp_path, LOCUSTFILE), server_url, users=2, spawn_rate=10, workers=workers
    )
    driver.start(hold=True)
    if not driver.wait_loaded(timeout_s=30):
        driver.stop()
        pytest.fail("The held load child never said `loaded`.")
    return driver


@pytest.mark.parametrize("workers", [0, 1])
def test_a_held_child_loads_but_sends_nothing_until_released(
    tmp_path: Path, server_url: str, workers: int
) -> None:
    driver = _held_driver(tmp_path, server_url, workers)
    try:
        time.sleep(1.5)
        assert driver.seconds == []  # loaded, holding: no user, no request, no second
        driver.release()
        driver.wait_started(timeout_s=10)
        time.sleep(2.5)
    finally:
        driver.stop()
    assert total_load(driver.seconds).requests > 0


@pytest.mark.parametrize("workers", [0, 1])
def test_a_held_child_never_released_leaves_when_stopped(
    tmp_path: Path, server_url: str, workers: int
) -> None:
    driver = _held_driver(tmp_path, server_url, workers)
    started_s = time.monotonic()
    driver.stop()
    assert time.monotonic() - started_s < 5  # it left at the end of its input, not by SIGKILL
    assert _group_members(driver.pgid) == []  # type: ignore[arg-type]
    assert driver.seconds == [] and driver.failure is None


ENV_LOCUSTFILE = """
import os
from locust import FastHttpUser, constant, task

class OnePath(FastHttpUser):
    wait_time = constant(0.05)

    @task
    def configured(self):
        self.client.get(os.environ["FIREBREAK_TEST_PATH"])
"""


def test_duration_run_ends_by_itself_and_passes_env_to_the_locustfile(
    tmp_path: Path, server_url: str
) -> None:
    driver = LoadDriver(
        _write(tmp_path, ENV_LOCUSTFILE),
        server_url,
        users=2,
        spawn_rate=10,
        env={"FIREBREAK_TEST_PATH": "/degraded"},
        duration_s=2,
    )
    with driver:
        assert driver.wait(timeout_s=20)
    assert driver.done is not None and driver.done["requests"] > 0
    assert {name for s in driver.seconds for name in s.endpoints} == {"GET /degraded"}


@pytest.mark.parametrize("workers", [0, 1])
def test_a_child_killed_mid_run_is_reported_as_load_error(
    tmp_path: Path, server_url: str, workers: int
) -> None:
    failures: list[LoadError] = []
    driver = LoadDriver(
        _write(tmp_path, LOCUSTFILE),
        server_url,
        users=2,
        spawn_rate=10,
        workers=workers,
        log_path=tmp_path / "load.log",
        on_failure=failures.append,
    )
    driver.start()
    try:
        driver.wait_started(timeout_s=30)
        time.sleep(1.5)
        os.kill(driver.pid, signal.SIGKILL)  # type: ignore[arg-type]
        with pytest.raises(LoadError, match="SIGKILL"):
            driver.wait(timeout_s=10)
    finally:
        driver.stop()
    assert failures and "SIGKILL" in str(failures[0])
    assert _group_members(driver.pgid) == []  # type: ignore[arg-type]


def test_stop_kills_a_child_that_ignores_sigterm(tmp_path: Path, server_url: str) -> None:
    driver = LoadDriver(_write(tmp_path, FREEZING_LOCUSTFILE), server_url, users=2, spawn_rate=10)
    driver.start()
    driver.wait_started(timeout_s=30)
    time.sleep(1.5)
    assert psutil.Process(driver.pid).status() == psutil.STATUS_STOPPED  # type: ignore[arg-type]
    began_s = time.monotonic()
    driver.stop(timeout_s=1)
    assert time.monotonic() - began_s < 5
    assert not driver.running
    assert _group_members(driver.pgid) == []  # type: ignore[arg-type]


def test_a_locustfile_without_users_fails_with_the_childs_reason(tmp_path: Path) -> None:
    driver = LoadDriver(
        _write(tmp_path, "X = 1\n"), "http://127.0.0.1:18399", users=1, spawn_rate=1
    )
    with pytest.raises(LoadError, match="defines no User class"), driver:
        driver.wait_started(timeout_s=30)


def test_a_broken_locustfile_shows_the_tail_of_the_log(tmp_path: Path) -> None:
    driver = LoadDriver(
        _write(tmp_path, "import no_such_module_here\n"),
        "http://127.0.0.1:18399",
        users=1,
        spawn_rate=1,
        log_path=tmp_path / "load.log",
    )
    with driver, pytest.raises(LoadError, match="no_such_module_here") as caught:
        driver.wait_started(timeout_s=30)
    assert "Last lines of" in str(caught.value)


def test_a_missing_locustfile_is_refused_before_spawning(tmp_path: Path) -> None:
    driver = LoadDriver(tmp_path / "nope.py", "http://127.0.0.1:18399", users=1, spawn_rate=1)
    with pytest.raises(LoadError, match="does not exist"):
        driver.start()
    assert driver.pid is None


def test_group_liveness_sees_a_running_group_and_not_a_dead_one() -> None:
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert group_has_live_members(sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not group_has_live_members(sleeper.pid)
