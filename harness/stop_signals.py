"""How a long-running command stops: SIGINT, SIGTERM or SIGHUP end it in order, within a bounded
time; a second signal (or the time running out) forces it.

A process started in the background by a non-interactive shell (a CI script's `cmd &`, a Makefile
recipe, a supervisor) inherits SIGINT as *ignored*, and Python then never raises
KeyboardInterrupt: so every long-running command installs its own handlers at start, whatever it
inherited. The first signal raises `Interrupted` (a KeyboardInterrupt, so every `finally` runs
and a caller's own KeyboardInterrupt handling, pytest's included, sees it). While the command is
tearing down (`shielded()`), a first signal is only noted: tearing down is what it would do anyway.
A second signal, or `FORCE_AFTER_S` after the first, kills what this process's ledgers hold and
exits at once: nothing of the run is left behind, even if its orderly teardown hangs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# an orderly teardown reverts faults, stops the load and every replica (3 s grace): well inside
FORCE_AFTER_S = 30.0
EXIT_INTERRUPTED = 130


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived: unwind, tear down, then let the caller know."""

    @property
    def signal_name(self) -> str:
        return str(self.args[0]) if self.args else "SIGINT"


def force_stop(reason: str) -> None:
    """Kill everything this process's ledgers hold, then exit now."""
    from harness.cleanup import clean_own_ledgers

    print(f"firebreak: {reason}: killing what is left and exiting.", file=sys.stderr, flush=True)
    with contextlib.suppress(Exception):
        clean_own_ledgers()
    os._exit(EXIT_INTERRUPTED)


class StopSignals:
    """The handlers a command installs for its lifetime (see the module docstring)."""

    def __init__(
        self,
        force: Callable[[str], None] = force_stop,
        force_after_s: float = FORCE_AFTER_S,
    ) -> None:
        self.force = force
        self.force_after_s = force_after_s
        self.received: str | None = None  # the first stop signal, by name
        self._shield_depth = 0
        self._watchdog: threading.Timer | None = None

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.received is not None:
            self.force(f"{name} again while stopping")
            return
        self.received = name
        self._watchdog = threading.Timer(
            self.force_after_s,
            self.force,
            args=(f"still stopping {self.force_after_s:g} s after {name}",),
        )
        self._watchdog.daemon = True
        self._watchdog.start()
        if self._shield_depth == 0:
            raise Interrupted(name)

    @contextlib.contextmanager
    def shielded(self, raise_after: bool = True) -> Iterator[None]:
        """Tear down without being interrupted; a signal that arrived meanwhile is raised after
        (or, with `raise_after=False`, left in `received` for the caller to act on)."""
        self._shield_depth += 1
        try:
            yield
        finally:
            self._shield_depth -= 1
        if raise_after and self._shield_depth == 0 and self.received is not None:
            raise Interrupted(self.received)

    def cancel_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()


@contextlib.contextmanager
def handling_stop_signals(
    force: Callable[[str], None] = force_stop, force_after_s: float = FORCE_AFTER_S
) -> Iterator[StopSignals]:
    """Install the handlers for the block, whatever was inherited; restore them after. Outside
    the main thread (a library user's worker thread) nothing can be installed: the block runs
    under the process's own handling."""
    stops = StopSignals(force, force_after_s)
    if threading.current_thread() is not threading.main_thread():
        yield stops
        return
    previous = {signum: signal.signal(signum, stops._on_signal) for signum in STOP_SIGNALS}
    try:
        yield stops
    finally:
        stops.cancel_watchdog()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
