"""The clock every observer of a run keeps: a call just after each whole second, labelled with
the second that ended, so the load stream, the scraper, the host monitor and the edges' counts
all land on the same seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def every_second(stop: threading.Event, on_second: Callable[[int, float], None]) -> None:
    """Until `stop` is set, call `on_second(second that just ended, how late this call is in
    ms)`. A call that runs late does not bunch up the next ones: seconds it overran are skipped."""
    next_tick = float(int(time.time()) + 1)
    while not stop.wait(max(0.0, next_tick - time.time())):
        on_second(int(next_tick) - 1, max(0.0, (time.time() - next_tick) * 1000.0))
        next_tick += 1.0
        if next_tick < time.time():  # far behind: skip ahead rather than bunch up
            next_tick = float(int(time.time()) + 1)
