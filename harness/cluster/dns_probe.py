"""Asking the cluster's DNS a question from this host: `cluster up` is done only when CoreDNS
answers at its ClusterIP, which also proves kube-proxy's rules for it are in place."""

from __future__ import annotations

import socket
import struct
import time

from harness.errors import PlatformError


def resolve_a(name: str, server: str, timeout_s: float = 3.0) -> str | None:
    """One A query over UDP (a DNS message by hand: no resolver library needed); the first
    address in the answer, or None when there is none."""
    query = struct.pack(">HHHHHH", 0x1B2B, 0x0100, 1, 0, 0, 0)
    query += b"".join(bytes([len(part)]) + part.encode() for part in name.split(".")) + b"\0"
    query += struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(timeout_s)
        udp.sendto(query, (server, 53))
        answer, _ = udp.recvfrom(4096)
    count = struct.unpack(">H", answer[6:8])[0]
    offset = len(query)
    for _ in range(count):
        # a compressed name is a 2-byte pointer; a plain one ends with a zero byte
        offset = offset + 2 if answer[offset] & 0xC0 == 0xC0 else answer.index(b"\0", offset) + 1
        kind, _class, _ttl, length = struct.unpack(">HHIH", answer[offset : offset + 10])
        offset += 10
        if kind == 1 and length == 4:
            return socket.inet_ntoa(answer[offset : offset + 4])
        offset += length
    return None


def wait_until_answers(name: str, server: str, expected: str, timeout_s: float) -> float:
    """Ask until `name` resolves to `expected`; the seconds it took."""
    started = time.monotonic()
    last = "no answer"
    while time.monotonic() - started < timeout_s:
        try:
            got = resolve_a(name, server, timeout_s=1.0)
            if got == expected:
                return time.monotonic() - started
            last = f"answered {got}"
        except OSError as exc:  # rejected until kube-proxy has written the Service's rules
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    raise PlatformError(
        f"The cluster's DNS ({server}) did not resolve {name} to {expected} within "
        f"{timeout_s:.0f} s ({last})."
    )
