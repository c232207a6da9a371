"""What every long-lived child of the harness needs: a last look at its log, and an end."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

LOG_TAIL_LINES = 15
LOG_TAIL_BYTES = 8192


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a log file ('' if it cannot be read), read from its end."""
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, os.SEEK_END)
            size = log_file.tell()
            log_file.seek(max(0, size - LOG_TAIL_BYTES))
            text = log_file.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def log_tail_note(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The log's last lines as the end of an error message ('' when there are none)."""
    tail = log_tail(path, lines)
    return f"\nLast lines of `{path}`:\n{tail}" if tail else ""


def stop_child(process: subprocess.Popen[bytes] | None, timeout_s: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `timeout_s`; nothing to do for one already gone."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout_s)
