"""Whether a run collects traces: where a service declares them (`traces: otlp`), unless the run
says `--no-traces` or the environment `FIREBREAK_TRACES=off` (a test suite that judges no trace
spares the cost)."""

from __future__ import annotations

import os

from harness.system import SystemSpec

TRACES_ENV = "FIREBREAK_TRACES"


def traces_wanted(asked: bool | None, system: SystemSpec) -> bool:
    """`asked`: the run's `--traces`/`--no-traces` (None: neither said)."""
    if not system.traced_services():
        return False
    if asked is not None:
        return asked
    return os.environ.get(TRACES_ENV, "").strip().lower() not in ("off", "0", "no", "false")
