"""Loopback ports for the harness's own listeners."""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Where the run's own listeners live (replicas, the balancer's frontends): below the kernel's
# ephemeral range and above the ports services and tests name themselves (8xxx, 18xxx).
RUN_PORTS_LOW = 20000
TRIES = 200


def free_port(host: str = "127.0.0.1") -> int:
    """A port that nothing listens on right now (the kernel's choice, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ephemeral_range() -> tuple[int, int]:
    """The ports the kernel hands out for outgoing connections and port-0 binds."""
    try:
        low, high = (int(v) for v in EPHEMERAL_RANGE_FILE.read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def stable_free_port(host: str = "127.0.0.1") -> int:
    """A free port outside the kernel's ephemeral range, for a listener that is bound later or
    bound again (a replica's port, kept across its restarts): a port the kernel chose could be
    taken in between as the local port of some outgoing connection, and the bind would fail."""
    low, _ = ephemeral_range()
    high = max(RUN_PORTS_LOW + 1000, low) - 1
    for _ in range(TRIES):
        port = random.randint(RUN_PORTS_LOW, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    return free_port(host)


def port_is_listening(host: str, port: int, timeout_s: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def first_free_port(ports: range, host: str = "127.0.0.1") -> int:
    """The first port of `ports` that can be bound now (tests and benches keep to their range)."""
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {ports.start}-{ports.stop - 1}.")
