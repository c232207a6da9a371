"""Finding the real parts' binaries (Toxiproxy, HAProxy, Jaeger): a variable that points at one
wins, and a variable that points at nothing usable is an error, not a fallback."""

from __future__ import annotations

import os
from pathlib import Path

from harness.errors import ToolMissingError


def is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def overridden(variable: str, install_hint: str) -> Path | None:
    """The binary `variable` names; None where it is unset; an error where it is not one."""
    override = os.environ.get(variable)
    if not override:
        return None
    candidate = Path(override)
    if is_executable(candidate):
        return candidate
    raise ToolMissingError(
        f"{variable} points at `{override}`, which is not an executable file. " + install_hint
    )
