"""Python packages for images, as wheels built on the host.

Containers here do not trust the machine's package proxy (nor can an air-gapped CI reach an
index), so `pip install` inside a build would fail: the host, which can, builds the wheels of a
context's `requirements.txt` once, and the image installs them with `--no-index`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from harness.errors import PlatformError

REQUIREMENTS_FILE = "requirements.txt"
DONE_MARKER = ".complete"


def cache_dir() -> Path:
    """`FIREBREAK_CACHE_DIR`, else `$XDG_CACHE_HOME/firebreak`."""
    override = os.environ.get("FIREBREAK_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "firebreak"


def wheels_for(context_folder: Path, on_message=print) -> list[Path]:
    """The wheels a context's requirements.txt needs (none without one), built once per
    requirements text and Python version."""
    requirements = context_folder / REQUIREMENTS_FILE
    if not requirements.is_file():
        return []
    key_source = requirements.read_bytes() + f"{sys.version_info[:2]}".encode()
    key = hashlib.sha256(key_source).hexdigest()[:12]
    folder = cache_dir() / "wheelhouse" / key
    if not (folder / DONE_MARKER).is_file():
        on_message(f"Building wheels for {requirements} into {folder} ...")
        folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "-r", str(requirements)]
        done = subprocess.run(
            [*command, "-w", str(folder)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise PlatformError(
                f"pip could not build the wheels of {requirements}:\n{done.stderr.strip()[-1500:]}"
            )
        (folder / DONE_MARKER).write_text("")
    return sorted(folder.glob("*.whl"))
