"""Loopback ports for the harness's own listeners."""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Where the run's own listeners live (replicas, the balancer's frontends): below the kernel's
# ephemeral range and above the ports services and tests name themselves (8xxx, 18xxx).
RUN_PORTS_LOW = 20000
TRIES = 200

# Ports stable_free_port has handed out in this process. They are bound later (a replica starts
# after all ports of a deployment are planned), so a probe bind alone cannot tell that a port is
# already promised: two random picks among ~12000 ports collide in ~4% of 30-port deployments,
# and a replica and a balancer frontend on one port send half of a service's calls astray.
# The oldest are forgotten past a bound (their deployments are long gone), so a long test session
# cannot fill the range.
HANDED_OUT_KEPT = 4000
_handed_out: dict[int, None] = {}
_handed_out_lock = threading.Lock()


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
    with _handed_out_lock:
        for _ in range(TRIES):
            port = random.randint(RUN_PORTS_LOW, high)
            if port in _handed_out:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind((host, port))
                except OSError:
                    continue
            _handed_out[port] = None
            while len(_handed_out) > HANDED_OUT_KEPT:
                del _handed_out[next(iter(_handed_out))]
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
