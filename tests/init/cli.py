"""`firebreak init` run as a user runs it: its own process, its exit code and what it printed."""

from __future__ import annotations

import subprocess
import sys


def init(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "init", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
