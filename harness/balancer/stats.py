"""What the run's HAProxy counted on each frontend and server (`show stat` on its runtime API).

These counts are the evidence from outside the services that a dependency edge carried traffic:
the balancer sits on every edge, behind its Toxiproxy proxy, on every platform. What it can count
depends on the mode an edge is served in (checked here with HAProxy 2.6):
- an HTTP frontend counts every request as it arrives (`req_tot`), and an HTTP backend's servers
  count the requests each replica was given;
- a gRPC edge's HTTP/2 frontend also counts its answers by `grpc-status` (`http_faults.lua`,
  `firebreak grpc show`), where the status is in the answer's headers: a "Trailers-Only" answer,
  which is every failure a gRPC server answers before any message and every `grpc_error`. A
  normal answer's status is in its trailers, which HAProxy 2.6's response rules cannot read
  (checked: a successful call counts as `trailers`, never `0`);
- a TCP frontend counts connections (`stot`, at accept) and those open now (`scur`); its byte
  counters move only when a connection closes, so with callers that keep connections alive they
  say nothing per second, and are not read.
"""

from __future__ import annotations

import contextlib
import csv
import io
import socket
from dataclasses import dataclass

FRONTEND_ROW = "FRONTEND"
BACKEND_ROW = "BACKEND"
STATS_TIMEOUT_S = 0.5


@dataclass(frozen=True)
class ProxyCounters:
    """One row of `show stat`: a frontend, a backend, or one server of a backend."""

    connections_total: int  # `stot`: sessions accepted (frontend) or given to it (server)
    connections_open: int  # `scur`
    requests_total: int | None  # `req_tot`: HTTP only; None where the row is TCP
    http: bool


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def parse_show_stat(text: str) -> dict[tuple[str, str], ProxyCounters]:
    """(proxy name, server name or FRONTEND/BACKEND) → its counters."""
    rows: dict[tuple[str, str], ProxyCounters] = {}
    for row in csv.DictReader(io.StringIO(text.lstrip("# "))):
        proxy, server = row.get("pxname"), row.get("svname")
        if not proxy or not server:
            continue
        http = row.get("mode") == "http"
        rows[(proxy, server)] = ProxyCounters(
            connections_total=_int(row.get("stot")),
            connections_open=_int(row.get("scur")),
            requests_total=_int(row.get("req_tot")) if http else None,
            http=http,
        )
    return rows


GRPC_TRAILERS = "trailers"  # an answer whose status was in its trailers, not seen


def parse_grpc_show(text: str) -> dict[str, dict[str, int]]:
    """`firebreak grpc show`'s answer: frontend → status (`14`, or `trailers`) → answers."""
    counts: dict[str, dict[str, int]] = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) == 3 and words[2].isdigit():
            counts.setdefault(words[0], {})[words[1]] = int(words[2])
    return counts


class StatsSession:
    """One connection to the runtime API kept open in its interactive mode (`prompt`), so
    reading the counters once a second costs one round trip, not a new connection: through a
    Kubernetes port-forward every new connection is a new tunnel through the API server."""

    PROMPT = b"\n> "

    def __init__(self, api_address: str, timeout_s: float = STATS_TIMEOUT_S) -> None:
        self.api_address = api_address
        self.timeout_s = timeout_s
        self._socket: socket.socket | None = None

    def _ask(self, line: str) -> str:
        assert self._socket is not None
        self._socket.sendall(line.encode() + b"\n")
        answer = b""
        while not answer.endswith(self.PROMPT) and answer != b"> ":
            chunk = self._socket.recv(65536)
            if not chunk:
                raise ConnectionError("the runtime API closed the connection")
            answer += chunk
        return answer[: -len(self.PROMPT)].decode(errors="replace") if answer != b"> " else ""

    def read(self) -> dict[tuple[str, str], ProxyCounters]:
        """The counters now; `OSError` when the API does not answer (the next read reconnects)."""
        try:
            if self._socket is None:
                host, port = self.api_address.rsplit(":", 1)
                self._socket = socket.create_connection((host, int(port)), self.timeout_s * 4)
                self._socket.settimeout(self.timeout_s * 4)
                self._ask("prompt")
                self._socket.settimeout(self.timeout_s)
            return parse_show_stat(self._ask("show stat"))
        except OSError:
            self.close()
            raise

    def read_grpc(self) -> dict[str, dict[str, int]]:
        """The gRPC answers counted so far by status, per frontend (after `read`, on the same
        connection); empty on a balancer with no gRPC edge."""
        if self._socket is None:
            return {}
        try:
            return parse_grpc_show(self._ask("firebreak grpc show"))
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None
