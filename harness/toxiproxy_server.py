"""Finding and running the real Toxiproxy server binary."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness.child_processes import stop_child
from harness.errors import FaultError, ToolMissingError
from harness.executables import is_executable, overridden
from harness.faults.toxiproxy import ToxiproxyClient
from harness.ports import stable_free_port

TOXIPROXY_VERSION = "2.12.0"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT_TOOLS_BIN = PROJECT_ROOT / ".tools" / "bin"
SERVER_BINARY_NAME = "toxiproxy-server"
INSTALL_HINT = (
    "Install it with `make setup` (it runs `go install "
    f"github.com/Shopify/toxiproxy/v2/cmd/server@v{TOXIPROXY_VERSION}` into .tools/bin), "
    "or put a Toxiproxy release binary named `toxiproxy-server` on PATH, "
    "or point FIREBREAK_TOXIPROXY at the server binary."
)


def find_toxiproxy_server() -> Path:
    """`FIREBREAK_TOXIPROXY`, then the project's .tools/bin, then PATH."""
    override = overridden("FIREBREAK_TOXIPROXY", INSTALL_HINT)
    if override is not None:
        return override
    local = PROJECT_TOOLS_BIN / SERVER_BINARY_NAME
    if is_executable(local):
        return local
    on_path = shutil.which(SERVER_BINARY_NAME)
    if on_path:
        return Path(on_path)
    raise ToolMissingError("The Toxiproxy server was not found. " + INSTALL_HINT)


class ToxiproxyServer:
    """One real Toxiproxy server process on loopback, owned by the harness."""

    def __init__(self, log_path: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or stable_free_port(host)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.version: str | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def client(self, timeout_s: float = 2.0) -> ToxiproxyClient:
        return ToxiproxyClient(self.host, self.port, timeout_s=timeout_s)

    def start(self, ready_timeout_s: float = 10.0) -> ToxiproxyClient:
        binary = find_toxiproxy_server()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(binary), "-host", self.host, "-port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches the harness, which tears down in order
            )
        client = self.client()
        try:
            self.version = client.wait_until_up(ready_timeout_s)
        except FaultError:
            self.stop()
            raise FaultError(
                f"Toxiproxy ({binary}) did not answer on {self.host}:{self.port} within "
                f"{ready_timeout_s:g} s; see {self.log_path}."
            ) from None
        return client

    def stop(self, timeout_s: float = 5.0) -> None:
        stop_child(self.process, timeout_s)
