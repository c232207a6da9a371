"""Shared fixtures. Tests use the real parts; a missing real part fails the test (never skips):
`make test` installs them all, so a missing one is a broken setup worth seeing."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import psutil
import pytest

from harness.errors import ToolMissingError
from harness.toxiproxy_server import find_toxiproxy_server

# the plugin's tests run pytest inside pytest; pytest accepts this only in the top conftest
pytest_plugins = ["pytester"]

REPO_ROOT = Path(__file__).resolve().parent.parent
TINY_SYSTEM = REPO_ROOT / "tests" / "fixtures" / "tiny_system" / "system.yaml"
SAMPLE_SYSTEM = REPO_ROOT / "sample_system" / "system.yaml"

# The sample and fx-quotes declare traces; a test that judges none spares a Jaeger and the
# services' exporters (about 3 s of reading and a tenth more CPU a run). Tests of traces ask for
# them with `--traces` or RunOptions(traces=True) (tests/traces/).
os.environ.setdefault("FIREBREAK_TRACES", "off")


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own ledger folder and reports folder: nothing leaks between tests."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("FIREBREAK_STATE_DIR", str(state))
    monkeypatch.setenv("FIREBREAK_REPORTS", str(tmp_path_factory.mktemp("reports")))
    return state


@pytest.fixture(scope="session")
def toxiproxy_server_binary() -> Path:
    try:
        return find_toxiproxy_server()
    except ToolMissingError as exc:
        pytest.fail(f"Toxiproxy is a real part these tests need: {exc}")


# What a Firebreak process looks like on the command line: if one of these, started during the
# session, is still running when it ends, a test did not tear down what it started.
FIREBREAK_MARKERS = (
    "toxiproxy-server",
    "haproxy",
    "tiny_service.py",
    "-m sample_system.",
    "harness.load.child",
    "harness.cli.main",
    "fx-quotes/",
    # the local Kubernetes node's daemons (its pods' processes live in their own pid namespaces)
    ".tools/kubernetes/",
    "firebreak/cluster/config/containerd.toml",
)
_SESSION_STARTED = psutil.Process().create_time()


def _pid_namespace(pid: int | str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return ""


_OUR_PID_NAMESPACE = _pid_namespace("self")


def leftover_processes(since: float = _SESSION_STARTED) -> list[psutil.Process]:
    """Firebreak's processes started since `since` that are this session's: its own descendants,
    or orphans (reparented to init when the harness that started them died). A process whose
    parent is alive elsewhere belongs to another session on this machine (a second `make
    test`, a `pytest --collect-only`) and is left alone, as are processes inside containers
    (another pid namespace): the Docker platform finds and removes those by label."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "create_time", "status"]):
        info = process.info
        if info["pid"] == os.getpid() or info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if _pid_namespace(info["pid"]) != _OUR_PID_NAMESPACE:
            continue
        command = " ".join(info["cmdline"] or [])
        if info["create_time"] < since or not any(m in command for m in FIREBREAK_MARKERS):
            continue
        if _is_ours(process) or _is_orphaned(process):
            found.append(process)
    return found


def _is_orphaned(process: psutil.Process) -> bool:
    try:
        return process.ppid() in (0, 1)
    except psutil.Error:
        return False


def _is_ours(process: psutil.Process) -> bool:
    """Started by this session and still held by it (a child, or a child's child...)."""
    try:
        return any(parent.pid == os.getpid() for parent in process.parents())
    except psutil.Error:
        return False


@pytest.fixture(autouse=True)
def no_orphans_left():
    """A test whose processes lost their parent (a harness it killed, an inner session that
    timed out) left them running: they would hold the next test's ports. Stop them, and fail
    this test loudly at its teardown."""
    started = time.time() - 0.5
    yield
    orphans = [p for p in leftover_processes(since=started) if not _is_ours(p)]
    if not orphans:
        return
    for process in orphans:
        with contextlib.suppress(psutil.Error):
            process.kill()
    described = "; ".join(f"{p.pid} {' '.join(p.info['cmdline'] or [])[:100]}" for p in orphans)
    pytest.fail(f"This test left {len(orphans)} Firebreak processes without a parent: {described}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail loudly if anything of Firebreak's outlived the tests (and stop it, so that nothing
    after this session inherits its ports)."""
    left = leftover_processes()
    if not left:
        return
    lines = [f"  pid {p.pid}: {' '.join(p.info['cmdline'] or [])[:160]}" for p in left]
    message = (
        f"\n{len(left)} Firebreak processes were still running after the last test; a test did "
        "not tear down what it started:\n" + "\n".join(lines) + "\n"
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True, bold=True)
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def spawn_harness():
    """Starts `python -m harness.cli.main ARGS` as a user would; whatever the test does, the
    process and whatever its ledgers hold are gone after it (teardown registered before any
    waiting, so a failed assertion never leaves a system holding the next test's ports)."""
    import signal
    import subprocess
    import sys

    started: list[subprocess.Popen[str]] = []

    def spawn(*args: str, ignore_sigint: bool = False, **popen) -> subprocess.Popen[str]:
        def ignored_sigint() -> None:  # as a background job of `sh -c` inherits it
            signal.signal(signal.SIGINT, signal.SIG_IGN)

        process = subprocess.Popen(
            [sys.executable, "-m", "harness.cli.main", *args],
            stdout=popen.pop("stdout", subprocess.PIPE),
            stderr=popen.pop("stderr", subprocess.STDOUT),
            text=True,
            preexec_fn=ignored_sigint if ignore_sigint else None,
            **popen,
        )
        started.append(process)
        return process

    yield spawn
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "cleanup"],
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="session")
def local_run_with_pattern_off(tmp_path_factory: pytest.TempPathFactory, toxiproxy_server_binary):
    """The local run of a scenario with one of the sample's patterns switched off, made once
    per session: the Docker and the Kubernetes tests compare their runs with the same one."""
    from tests.integration.patterns_off import run_with_pattern_off

    runs = {}

    def local_run(pattern: str, service: str, scenario: str):
        key = (pattern, service, scenario)
        if key not in runs:
            out = tmp_path_factory.mktemp(f"local-{pattern}-off")
            runs[key] = run_with_pattern_off(pattern, service, scenario, out)
        return runs[key]

    return local_run
