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


def spawn(service: str, port: int, data_dir: Path, **extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "FIREBREAK_SERVICE": service,
        "FIREBREAK_INSTANCE": f"{service}-{port}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
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
def replicas(tmp_path: Path) -> Iterator[tuple[list[int], list[subprocess.Popen]]]:
    """Two catalog replicas, each on its own port, sharing one database file."""
    ports = [next_port(), next_port()]
    processes = [spawn("catalog", port, tmp_path) for port in ports]
    try:
        yield ports, processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=5)


def test_two_replicas_share_one_database_and_stop_cleanly_on_sigterm(
    replicas: tuple[list[int], list[subprocess.Popen]],
) -> None:
    ports, processes = replicas
    for port in ports:
        assert wait_until(lambda p=port: ready(f"http://127.0.0.1:{p}"), timeout_s=10.0)
    # Each replica seeded the same file at once; INSERT OR IGNORE left exactly 100 products.
    for port in ports:
        answer = httpx.get(f"http://127.0.0.1:{port}/products", params={"ids": "1,100,101"})
        assert [product["id"] for product in answer.json()["products"]] == [1, 100]
    instances = {
        httpx.get(f"http://127.0.0.1:{port}/health/ready").json()["instance"] for port in ports
    }
    assert len(instances) == 2

    processes[0].send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught, hence -SIGTERM.
    assert processes[0].wait(timeout=10) in (0, -signal.SIGTERM)
    assert b"Traceback" not in processes[0].stderr.read()  # type: ignore[union-attr]
    assert httpx.get(f"http://127.0.0.1:{ports[1]}/products/3").status_code == 200


def test_an_unknown_pattern_in_firebreak_disable_is_refused(tmp_path: Path) -> None:
    process = spawn("payments", next_port(), tmp_path, FIREBREAK_DISABLE="timeouts,magic")
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 2
    assert b"magic" in stderr


def test_a_server_bound_the_way_uvicorn_binds_has_nagle_switched_off():
    # uvicorn binds through asyncio's create_server; with Nagle on, every two-part answer
    # waited ~40 ms for the client's delayed ACK
    import asyncio
    import socket as socket_module

    async def accepted_nodelay() -> int:
        seen: list[int] = []

        def on_connection() -> asyncio.Protocol:
            class Probe(asyncio.Protocol):
                def connection_made(self, transport: asyncio.BaseTransport) -> None:
                    sock = transport.get_extra_info("socket")
                    seen.append(
                        sock.getsockopt(socket_module.IPPROTO_TCP, socket_module.TCP_NODELAY)
                    )
                    transport.close()

            return Probe()

        server = await asyncio.get_running_loop().create_server(on_connection, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return seen[0]

    assert asyncio.run(accepted_nodelay()) == 1
