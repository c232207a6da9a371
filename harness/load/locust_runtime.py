"""What the load child's three modes share (local runner, master, worker): the line stream
on a private descriptor, the second ticks, stop signals, starting users, the `done` line, and the
hold before the start. Imported only inside the child process (it imports gevent and Locust)."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from typing import Any

import gevent
import gevent.event
import gevent.select
from locust.env import Environment

from harness.load.stream import SecondAccumulator

EXIT_OK = 0
EXIT_BAD_SETUP = 2
EXIT_WORKER_LOST = 3


class Stream:
    """Writes whole JSON lines to a private file descriptor."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def write(self, obj: dict[str, Any]) -> None:
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        while data:
            written = os.write(self._fd, data)
            data = data[written:]


def take_stdout_for_stream() -> Stream:
    """Keep fd 1 for the stream and send everything else printed to stdout to stderr."""
    stream_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return Stream(stream_fd)


def sleep_to_next_second() -> None:
    now_s = time.time()
    gevent.sleep(math.floor(now_s) + 1.0 - now_s + 0.002)


def install_stop_signals(stop_requested: gevent.event.Event) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop_requested.set)


def start_users(env: Environment, args: argparse.Namespace) -> None:
    if env.shape_class is not None:
        env.runner.start_shape()
    else:
        env.runner.start(args.users, args.spawn_rate)


def write_done(stream: Stream, accumulator: SecondAccumulator, started_s: float) -> None:
    totals = accumulator.totals
    stream.write(
        {
            "event": "done",
            "t": time.time(),
            "duration_s": round(time.time() - started_s, 3),
            "requests": totals.requests,
            "failures": totals.failures,
            "degraded": totals.degraded,
            "histogram": totals.histogram.to_json(),
        }
    )


def wait_for_go(stream: Stream, go_file: str | None = None) -> bool:
    """With `--hold`: the imports and the locustfile are done (the slow part of starting), so
    the harness can start us while the system is still coming up and release us when it is."""
    stream.write({"event": "loaded", "t": time.time()})
    if go_file:  # a pod's harness has no pipe to our stdin: it creates the file instead
        while not os.path.exists(go_file):
            gevent.sleep(0.05)
        return True
    # gevent's select yields to the hub, so a master keeps answering its workers' heartbeats
    gevent.select.select([sys.stdin.fileno()], [], [])
    return bool(sys.stdin.readline().strip())
