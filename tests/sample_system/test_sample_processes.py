"""Real replicas as processes: `python -m sample_system.<service>` with the platform's env."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sample_system_servers import next_port, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]


def spawn(
    service: str, port: int, admin_port: int, data_dir: Path, **extra: str
) -> subprocess.Popen:
    env = {
        **os.environ,
        "FIREBREAK_SERVICE": service,
        "FIREBREAK_INSTANCE": f"{service}-{admin_port}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ADMIN_PORT": str(admin_port),
        "DATA_DIR": str(data_dir),
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "-m", f"sample_system.{service}"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[int, list[int], list[subprocess.Popen]]]:
    """Two catalog replicas sharing one port (SO_REUSEPORT) and one database file."""
    port, admin_ports = next_port(), [next_port(), next_port()]
    processes = [spawn("catalog", port, admin, tmp_path) for admin in admin_ports]
    try:
        yield port, admin_ports, processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=5)


def test_two_replicas_share_the_port_and_stop_cleanly_on_sigterm(
    replicas: tuple[int, list[int], list[subprocess.Popen]],
) -> None:
    port, admin_ports, processes = replicas
    for admin in admin_ports:
        assert wait_until(lambda a=admin: ready(f"http://127.0.0.1:{a}"), timeout_s=10.0)
    # Each replica seeded the same file at once; INSERT OR IGNORE left exactly 100 products.
    answer = httpx.get(f"http://127.0.0.1:{port}/products", params={"ids": "1,100,101"})
    assert [product["id"] for product in answer.json()["products"]] == [1, 100]
    instances = {
        httpx.get(f"http://127.0.0.1:{admin}/health/ready").json()["instance"]
        for admin in admin_ports
    }
    assert len(instances) == 2

    processes[0].send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught, hence -SIGTERM.
    assert processes[0].wait(timeout=10) in (0, -signal.SIGTERM)
    assert b"Traceback" not in processes[0].stderr.read()  # type: ignore[union-attr]
    # The survivor takes every connection on the shared port at once.
    for _ in range(5):
        assert httpx.get(f"http://127.0.0.1:{port}/products/3").status_code == 200


def test_an_unknown_pattern_in_firebreak_disable_is_refused(tmp_path: Path) -> None:
    process = spawn(
        "payments", next_port(), next_port(), tmp_path, FIREBREAK_DISABLE="timeouts,magic"
    )
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 2
    assert b"magic" in stderr


def test_accepted_connections_have_nagle_switched_off():
    # a listening socket made with proto 0 gives accepted sockets proto 0, and asyncio then
    # leaves Nagle on: every two-part answer waited ~40 ms for the client's delayed ACK
    import socket as socket_module

    from sample_system.common.serve import bind_socket

    listener = bind_socket("127.0.0.1", 0, reuse_port=True)
    try:
        client = socket_module.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        assert accepted.proto == socket_module.IPPROTO_TCP
        client.close()
        accepted.close()
    finally:
        listener.close()
