"""The load child as Locust's master (``--workers N``): it spawns N ``--worker`` children of
`harness.load.child` on this machine (or waits for remote ones, as pods), merges the closed
seconds they send inside Locust's own stats report, and writes one stream. Imported only inside
the child process."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from typing import Any

import gevent
import gevent.event
from locust.env import Environment

from harness.load.locust_runtime import (
    EXIT_OK,
    EXIT_WORKER_LOST,
    Stream,
    install_stop_signals,
    sleep_to_next_second,
    start_users,
    wait_for_go,
    write_done,
)
from harness.load.stream import SecondAccumulator, SecondBucket

# A second is written by the master at the latest this long after it ended, even if a worker
# has not reported it yet (a stalled worker must not stall the stream).
MASTER_MAX_LAG_S = 5
WORKERS_READY_TIMEOUT_S = 60.0
FINAL_REPORT_TIMEOUT_S = 5.0


def spawn_workers(args: argparse.Namespace, master_port: int) -> list[subprocess.Popen[bytes]]:
    workers = []
    for index in range(args.workers):
        command = [
            sys.executable,
            "-m",
            "harness.load.child",
            "--worker",
            "--master-port",
            str(master_port),
            "--locustfile",
            args.locustfile,
        ]
        if args.seed is not None:
            command += ["--seed", str(args.seed + 1 + index)]
        # stdout and stderr are inherited: both are this child's log (fd 1 was redirected).
        workers.append(subprocess.Popen(command))
    return workers


def run_master(env: Environment, args: argparse.Namespace, stream: Stream) -> int:
    accumulator = SecondAccumulator(math.floor(time.time()))
    runner = env.create_master_runner(args.master_bind, args.master_port)
    env.events.init.fire(environment=env, runner=runner, web_ui=None)
    closed_before_s: dict[str, float] = {}

    def on_worker_report(client_id: str, data: dict[str, Any]) -> None:
        report = data.get("firebreak")
        if not report:
            return
        for bucket in report["buckets"]:
            accumulator.add(SecondBucket.from_json(bucket))
        closed_before_s[client_id] = math.inf if report["final"] else report["closed_before_s"]

    env.events.worker_report.add_listener(on_worker_report)
    stop_requested = gevent.event.Event()
    install_stop_signals(stop_requested)
    workers = [] if args.remote_workers else spawn_workers(args, runner.server.port)
    try:
        return _drive_workers(
            env, args, stream, accumulator, closed_before_s, workers, stop_requested
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()


def _lost_worker(workers: list[subprocess.Popen[bytes]]) -> str | None:
    for worker in workers:
        if worker.poll() is not None:
            return f"Load worker pid {worker.pid} exited with code {worker.returncode}."
    return None


def _drive_workers(
    env: Environment,
    args: argparse.Namespace,
    stream: Stream,
    accumulator: SecondAccumulator,
    closed_before_s: dict[str, float],
    workers: list[subprocess.Popen[bytes]],
    stop_requested: gevent.event.Event,
) -> int:
    runner = env.runner
    deadline_s = time.monotonic() + WORKERS_READY_TIMEOUT_S
    while len(runner.clients.ready) < args.workers:
        lost = _lost_worker(workers)
        if lost or stop_requested.is_set() or time.monotonic() > deadline_s:
            message = lost or f"Only {len(runner.clients.ready)} of {args.workers} workers came up."
            stream.write({"event": "error", "message": message})
            runner.quit()
            return EXIT_WORKER_LOST
        gevent.sleep(0.05)
    if args.hold and not wait_for_go(stream, args.go_file):
        runner.quit()
        return EXIT_OK

    started_s = time.time()
    start_users(env, args)
    stream.write({"event": "started", "t": started_s, "users": args.users, "workers": args.workers})
    problem: list[str] = []

    def emit_closed_seconds() -> None:
        while True:
            sleep_to_next_second()
            now_s = math.floor(time.time())
            accumulator.note_users(now_s - 1, runner.user_count)
            reported_s = min(closed_before_s.values(), default=accumulator.next_s)
            if len(closed_before_s) < args.workers:
                reported_s = accumulator.next_s
            limit_s = min(now_s, max(reported_s, now_s - MASTER_MAX_LAG_S))
            for bucket in accumulator.close_before(int(limit_s)):
                stream.write(bucket.to_json())
            lost = _lost_worker(workers)
            if lost:
                problem.append(lost)
                stop_requested.set()
                return

    emitter = gevent.spawn(emit_closed_seconds)
    stop_requested.wait(timeout=args.duration_s)
    emitter.kill(block=True)
    if not problem:
        # Graceful: workers stop their users, then send everything left in a final report.
        runner.stop()
        deadline_s = time.monotonic() + FINAL_REPORT_TIMEOUT_S
        while time.monotonic() < deadline_s and not (
            len(closed_before_s) >= args.workers
            and all(s == math.inf for s in closed_before_s.values())
        ):
            gevent.sleep(0.05)
    runner.quit()
    for bucket in accumulator.close_all(time.time()):
        stream.write(bucket.to_json())
    env.events.quitting.fire(environment=env, reverse=True)
    if problem:
        stream.write({"event": "error", "message": problem[0]})
        return EXIT_WORKER_LOST
    write_done(stream, accumulator, started_s)
    return EXIT_OK
