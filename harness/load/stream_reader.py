"""What a load stream has said so far, wherever its lines come from (a child's stdout, a pod's
log): the closed seconds, handed on as they arrive, and the child's events."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from harness.load.stream import LoadSecond, parse_line

logger = logging.getLogger(__name__)


class StreamReader:
    """Fed one line at a time by one thread; read from any."""

    def __init__(
        self, on_second: Callable[[LoadSecond], None] | None = None, keep_seconds: bool = True
    ) -> None:
        self._on_second = on_second
        self._keep_seconds = keep_seconds
        self._lock = threading.Lock()
        self._seconds: list[LoadSecond] = []
        self.loaded = threading.Event()  # a held child has its locustfile loaded
        self.started = threading.Event()  # its users are spawning
        self.done: dict[str, Any] | None = None  # the final `done` line (totals)
        self.error_message: str | None = None  # what an `error` line said

    @property
    def seconds(self) -> list[LoadSecond]:
        with self._lock:
            return list(self._seconds)

    def handle_line(self, line: str) -> bool:
        """Take one line; False when it is not part of the stream (a log line, say)."""
        line = line.strip()
        if not line:
            return True
        try:
            item = parse_line(line)
        except ValueError as error:
            logger.debug("Not a line of the load stream: %s", error)
            return False
        if isinstance(item, LoadSecond):
            if self._keep_seconds:
                with self._lock:
                    self._seconds.append(item)
            if self._on_second is not None:
                try:
                    self._on_second(item)
                except Exception:
                    logger.exception("The `on_second` callback raised; the stream goes on.")
            return True
        event = item.get("event")
        if event == "loaded":
            self.loaded.set()
        elif event == "started":
            self.started.set()
        elif event == "done":
            self.done = item
        elif event == "error":
            self.error_message = str(item.get("message", "unknown error"))
        return True
