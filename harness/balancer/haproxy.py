"""Finding and running the real HAProxy, and its runtime API (a TCP socket on loopback: a Unix
socket's path would have to fit in 108 bytes, and a run folder's path need not)."""

from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import time
from pathlib import Path

from harness.balancer.config import BalancerPlan, render_config
from harness.child_processes import log_tail, stop_child
from harness.errors import PlatformError, ToolMissingError
from harness.executables import overridden

BINARY_NAME = "haproxy"
INSTALL_HINT = (
    "Install Debian's package with `apt-get install -y haproxy` (`make test` and `make demo` "
    "do), or point FIREBREAK_HAPROXY at an haproxy binary."
)
API_TIMEOUT_S = 2.0


def runtime_command(api_address: str, line: str, timeout_s: float = API_TIMEOUT_S) -> str:
    """One command to the runtime API at `host:port` and its whole answer (`OSError` if none)."""
    host, port = api_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout_s) as connection:
        connection.sendall(line.encode() + b"\n")
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def find_haproxy() -> Path:
    """`FIREBREAK_HAPROXY`, then PATH, then Debian's /usr/sbin."""
    override = overridden("FIREBREAK_HAPROXY", INSTALL_HINT)
    if override is not None:
        return override
    found = shutil.which(BINARY_NAME) or shutil.which(BINARY_NAME, path="/usr/sbin:/usr/local/sbin")
    if found:
        return Path(found)
    raise ToolMissingError(
        "HAProxy, the local platform's load balancer, was not found. " + INSTALL_HINT
    )


class HAProxyServer:
    """One HAProxy process for a run, owned by the harness."""

    def __init__(self, plan: BalancerPlan, config_path: Path, log_path: Path) -> None:
        self.plan = plan
        self.config_path = config_path
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, ready_timeout_s: float = 10.0) -> None:
        binary = find_haproxy()
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(render_config(self.plan), encoding="utf-8")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(binary), "-db", "-f", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches the harness, which tears down in order
            )
        deadline = time.monotonic() + ready_timeout_s
        while True:
            if self.process.poll() is not None:
                raise PlatformError(
                    f"HAProxy exited with code {self.process.returncode} at start; see "
                    f"{self.log_path} and its configuration {self.config_path}:\n"
                    + log_tail(self.log_path)
                )
            try:
                self.command("show info")
                return
            except OSError:
                if time.monotonic() >= deadline:
                    self.stop()
                    raise PlatformError(
                        f"HAProxy's runtime API did not answer on {self.plan.api_address} within "
                        f"{ready_timeout_s:g} s; see {self.log_path}."
                    ) from None
                time.sleep(0.02)

    def command(self, line: str) -> str:
        """One runtime API command and its whole answer."""
        return runtime_command(self.plan.api_address, line)

    def server_states(self) -> dict[str, dict[str, str]]:
        """Backend → replica → HAProxy's status of it (`UP`, `DOWN`, `MAINT`, `UP 1/2`...)."""
        text = self.command("show stat").lstrip("# ")
        states: dict[str, dict[str, str]] = {}
        for row in csv.DictReader(io.StringIO(text)):
            if row.get("svname") in ("FRONTEND", "BACKEND", None):
                continue
            states.setdefault(row["pxname"], {})[row["svname"]] = row.get("status", "")
        return states

    def stop(self, timeout_s: float = 5.0) -> None:
        # SIGTERM stops HAProxy at once, closing every connection: the run is over
        stop_child(self.process, timeout_s)
