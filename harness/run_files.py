"""Where runs write."""

from __future__ import annotations

import os
import time
from pathlib import Path


def reports_root() -> Path:
    """`FIREBREAK_REPORTS`, else `reports/` in the current folder."""
    return Path(os.environ.get("FIREBREAK_REPORTS") or Path.cwd() / "reports")


def new_run_dir(prefix: str, base: Path | None = None) -> Path:
    """A fresh folder `<base>/<prefix>-<UTC time>` (suffixed if two runs start in one second)."""
    root = base or reports_root()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    candidate = root / f"{prefix}-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = root / f"{prefix}-{stamp}-{suffix}"
    candidate.mkdir(parents=True)
    return candidate
