"""Where runs write, and how the harness turns SIGTERM into an orderly teardown."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C so every `finally` tears down."""


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    def raise_terminated(signum: int, _frame: object) -> None:
        raise Terminated(signal.Signals(signum).name)

    previous = {s: signal.signal(s, raise_terminated) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
