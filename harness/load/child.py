"""The Locust child process: ``python -m harness.load.child --locustfile F --host H ...``.

Only this process imports Locust (this module, `locust_runtime` and `master`), because importing
Locust monkey-patches the whole process with gevent; the harness talks to it through the line
stream described in `harness.load.stream`.

Why the library API (`Environment` + runners) rather than the ``locust`` CLI with a plugin: we
own start, stop and signals (SIGTERM stops users, flushes the partial second, writes ``done``,
exits 0), there is no web UI, no CSV/stats printing, and Locust's "exit 1 if any request failed"
never happens, so a non-zero exit always means the child itself broke.

Stdout is reserved for the stream: at start the stream keeps a private copy of fd 1 and fd 1 is
pointed at stderr, so a ``print`` in a locustfile lands in the log instead of corrupting it.

Modes: local runner (``--workers 0``); master (``--workers N``, `harness.load.master`) that spawns N
``--worker`` children of this module on 127.0.0.1, which send their closed seconds to the master
inside Locust's own stats report (``events.report_to_master`` → ``events.worker_report``); the
master merges them and writes one stream.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
import traceback
from typing import Any

import gevent
import gevent.event
import gevent.select
import locust
import locust.runners
from locust import argument_parser
from locust.env import Environment
from locust.util.load_locustfile import load_locustfile

from harness.load.answers import (
    SERVED_BY_HEADER,
    AnswerRule,
    answer_status,
    degraded_markers,
    is_failure,
)
from harness.load.locust_runtime import (
    EXIT_BAD_SETUP,
    EXIT_OK,
    Stream,
    install_stop_signals,
    sleep_to_next_second,
    start_users,
    take_stdout_for_stream,
    wait_for_go,
    write_done,
)
from harness.load.master import run_master
from harness.load.stream import SecondAccumulator
from harness.load.trace_context import install_if_asked

# Workers report every second (Locust's default is 3 s) so the merged stream lags ~1-2 s.
WORKER_REPORT_INTERVAL_S = 1.0
# How often the health probe wakes; its lateness is the event loop's lag (a request's measured
# time includes that lag, so a lagging generator over-reports latency).
HEALTH_TICK_S = 0.05


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m harness.load.child")
    parser.add_argument("--locustfile", required=True)
    parser.add_argument("--host", default="")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--spawn-rate", type=float, default=1.0)
    parser.add_argument("--duration-s", type=float, default=None)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help="run as a worker of a master")
    parser.add_argument("--master-port", type=int, default=0)
    # in a cluster the master and its workers are pods: the master listens on every address and
    # waits for `--workers` to connect instead of spawning them; a worker names its master
    parser.add_argument("--master-host", default="127.0.0.1", help="a worker's master")
    parser.add_argument("--master-bind", default="127.0.0.1", help="where a master listens")
    parser.add_argument("--remote-workers", action="store_true", help="do not spawn workers")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--stream-fd", type=int, default=None, help="default: stdout")
    parser.add_argument(
        "--hold",
        action="store_true",
        help="load the locustfile, say `loaded`, then wait for a line on stdin before the users",
    )
    parser.add_argument("--go-file", default=None, help="with --hold: wait for this file instead")
    return parser.parse_args(argv)


def build_environment(args: argparse.Namespace) -> Environment:
    path = os.path.abspath(args.locustfile)
    if not os.path.isfile(path):
        raise SetupError(f"The locustfile `{path}` does not exist.")
    user_classes, shape_classes = load_locustfile(path)
    if not user_classes:
        raise SetupError(f"The locustfile `{path}` defines no User class.")
    # `events=locust.events` is what makes the locustfile's own `@events...` listeners fire.
    env = Environment(
        user_classes=list(user_classes.values()),
        shape_class=shape_classes[0] if shape_classes else None,
        host=args.host or None,
        events=locust.events,
    )
    env.parsed_options = locust_options(path, args)
    return env


def locust_options(path: str, args: argparse.Namespace) -> Any:
    """Locust-style parsed options, for locustfiles that read `environment.parsed_options`."""
    cli = ["-f", path, "--headless", "-u", str(args.users), "-r", str(args.spawn_rate)]
    if args.host:
        cli += ["--host", args.host]
    try:
        return argument_parser.get_parser(default_config_files=[]).parse_args(cli)
    except (Exception, SystemExit):  # custom options with required values: run without
        return None


class SetupError(Exception):
    """The child cannot start: reported as an `error` line and exit code 2."""


def attach_accumulator(env: Environment, accumulator: SecondAccumulator) -> None:
    rule = AnswerRule.from_env(os.environ)

    def on_request(
        request_type: str,
        name: str,
        response_time: float | None,
        response: Any = None,
        exception: BaseException | None = None,
        **_: Any,
    ) -> None:
        # Locustfiles often name requests "GET /products/{id}" already: don't say GET twice.
        prefix = f"{request_type} "
        endpoint = name if name.startswith(prefix) else prefix + name
        failed = is_failure(exception, response)
        accumulator.record(
            endpoint,
            float(response_time or 0.0),
            failed,
            [] if failed else degraded_markers(response, rule),
            time.time(),
            answer_status(exception, response),
            served_by(response),
        )

    env.events.request.add_listener(on_request)


def served_by(response: Any) -> str | None:
    """The replica the front door's balancer says answered (a split run), else None."""
    headers = getattr(response, "headers", None)
    return headers.get(SERVED_BY_HEADER) if headers is not None else None


class HealthProbe:
    """This process's CPU share of one core and its event loop's worst lag since the last take.

    Taken by whoever closes seconds, just before closing them, so the figures land in the second
    they describe."""

    def __init__(self) -> None:
        self._cpu_at, self._wall_at = time.process_time(), time.monotonic()
        self._worst_lag_ms = 0.0
        self._greenlet = gevent.spawn(self._watch)

    def _watch(self) -> None:
        while True:
            due = time.monotonic() + HEALTH_TICK_S
            gevent.sleep(HEALTH_TICK_S)
            self._worst_lag_ms = max(self._worst_lag_ms, (time.monotonic() - due) * 1000.0)

    def take_into(self, accumulator: SecondAccumulator, t_s: int) -> None:
        cpu_now, wall_now = time.process_time(), time.monotonic()
        share = (cpu_now - self._cpu_at) / max(wall_now - self._wall_at, 1e-6)
        accumulator.note_health(t_s, round(share, 3), round(self._worst_lag_ms, 1))
        self._cpu_at, self._wall_at, self._worst_lag_ms = cpu_now, wall_now, 0.0

    def stop(self) -> None:
        self._greenlet.kill(block=True)


def run_local(env: Environment, args: argparse.Namespace, stream: Stream) -> int:
    accumulator = SecondAccumulator(math.floor(time.time()))
    attach_accumulator(env, accumulator)
    health = HealthProbe()
    runner = env.create_local_runner()
    env.events.init.fire(environment=env, runner=runner, web_ui=None)
    stop_requested = gevent.event.Event()
    install_stop_signals(stop_requested)
    started_s = time.time()
    start_users(env, args)
    stream.write({"event": "started", "t": started_s, "users": args.users, "workers": 0})

    def emit_closed_seconds() -> None:
        while True:
            sleep_to_next_second()
            now_s = math.floor(time.time())
            health.take_into(accumulator, now_s - 1)
            for bucket in accumulator.close_before(now_s, runner.user_count):
                stream.write(bucket.to_json())

    emitter = gevent.spawn(emit_closed_seconds)
    stop_requested.wait(timeout=args.duration_s)
    emitter.kill(block=True)
    health.stop()
    runner.quit()
    for bucket in accumulator.close_all(time.time()):
        stream.write(bucket.to_json())
    env.events.quitting.fire(environment=env, reverse=True)
    write_done(stream, accumulator, started_s)
    return EXIT_OK


def run_worker(env: Environment, args: argparse.Namespace) -> int:
    locust.runners.WORKER_REPORT_INTERVAL = WORKER_REPORT_INTERVAL_S
    accumulator = SecondAccumulator(math.floor(time.time()))
    attach_accumulator(env, accumulator)
    health = HealthProbe()  # ends with the process
    runner = env.create_worker_runner(args.master_host, args.master_port)
    env.events.init.fire(environment=env, runner=runner, web_ui=None)
    stopped = False

    def on_test_stop(**_: Any) -> None:
        nonlocal stopped
        stopped = True

    def on_report_to_master(client_id: str, data: dict[str, Any]) -> None:
        # Closed seconds ride along in Locust's own stats report; after the test stopped the
        # next report carries everything left, the partial second included, marked final.
        health.take_into(accumulator, math.floor(time.time()) - 1)
        if stopped:
            buckets = accumulator.close_all(time.time())
        else:
            buckets = accumulator.close_before(math.floor(time.time()), runner.user_count)
        data["firebreak"] = {
            "buckets": [bucket.to_json() for bucket in buckets],
            "closed_before_s": accumulator.next_s,
            "final": stopped,
        }

    env.events.test_stop.add_listener(on_test_stop)
    env.events.report_to_master.add_listener(on_report_to_master)
    stop_requested = gevent.event.Event()
    install_stop_signals(stop_requested)
    # Ends when the master sends "quit" (the runner kills its greenlets) or on SIGTERM.
    runner_done = gevent.spawn(runner.greenlet.join)
    gevent.wait([runner_done, stop_requested], count=1)
    if not stop_requested.is_set():
        return EXIT_OK
    runner.quit()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stream = take_stdout_for_stream() if args.stream_fd is None else Stream(args.stream_fd)
    if args.seed is not None:
        random.seed(args.seed)
    try:
        install_if_asked()
        env = build_environment(args)
        # a master holds once its workers are up (their imports are the slow part there)
        if args.hold and not args.workers and not wait_for_go(stream, args.go_file):
            return EXIT_OK  # the harness closed our stdin without a word: it gave up on the run
        if args.worker:
            return run_worker(env, args)
        if args.workers > 0:
            return run_master(env, args, stream)
        return run_local(env, args, stream)
    except SetupError as error:
        stream.write({"event": "error", "message": str(error)})
        return EXIT_BAD_SETUP
    except Exception as error:  # a broken locustfile: say so on the stream, details in the log
        traceback.print_exc()
        if not args.worker:
            stream.write({"event": "error", "message": f"{type(error).__name__}: {error}"})
        return EXIT_BAD_SETUP


if __name__ == "__main__":
    sys.exit(main())
