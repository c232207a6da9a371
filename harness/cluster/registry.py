"""A container registry on loopback: distribution's own server (built by
scripts/build-cluster.sh), for runs that push their images as they would for a cluster that
cannot see this machine's Docker engine. Docker and the node's containerd both talk plain HTTP to
a registry on 127.0.0.1, so it needs no certificate."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

from harness.child_processes import log_tail, stop_child
from harness.cluster.layout import default_layout
from harness.errors import ToolMissingError

CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


class LocalRegistry:
    """`start()`, push to `address`, `stop()` (register the stop before the start waits)."""

    def __init__(self, port: int, folder: Path, binary: Path | None = None) -> None:
        self.port = port
        self.folder = folder
        self.binary = binary or default_layout().binary("registry")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 20.0) -> None:
        if not self.binary.is_file():
            raise ToolMissingError(
                f"The registry binary `{self.binary}` is missing: run ./scripts/build-cluster.sh."
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "config.yml"
        config.write_text(CONFIG.format(storage=self.folder / "storage", port=self.port))
        log_path = self.folder / "registry.log"
        with open(log_path, "ab") as log_file:
            self._proc = subprocess.Popen(
                [str(self.binary), "serve", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline_s = time.monotonic() + timeout_s
        while time.monotonic() < deadline_s:
            if self._proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise ToolMissingError(
            f"The registry did not answer on {self.address} within {timeout_s:.0f} s:\n"
            f"{log_tail(log_path, 20)}"
        )

    def repositories(self) -> list[str]:
        import json

        with urllib.request.urlopen(f"http://{self.address}/v2/_catalog", timeout=5) as answer:
            return list(json.load(answer).get("repositories", []))

    def stop(self) -> None:
        stop_child(self._proc, timeout_s=10.0)
