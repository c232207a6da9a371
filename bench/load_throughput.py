"""Requests/s of plain Locust versus Firebreak's LoadDriver, same locustfile, users and duration.

    python bench/load_throughput.py [--users 10] [--duration-s 10] [--workers 0] [--rounds 1]

Both runs hit the same tiny raw-asyncio server (tests/load/tiny_server.py) on 127.0.0.1, ports
18390-18399 only. Plain Locust is ``locust --headless ... --csv`` and its figure comes from its
own ``*_stats.csv`` ("Aggregated" row); the driver's comes from the sum of its per-second
stream. Both are divided by the same configured duration, so ramp-up counts against both alike.
Target: the driver reaches at least 90% of plain Locust.

On a shared machine req/s swings with whatever else runs, so the bench also prints requests per
CPU-second of the load processes (from `getrusage(RUSAGE_CHILDREN)`, which counts reaped
children: the Locust process, or the driver's child and its workers), a figure that contention
barely moves; and it alternates which side goes first.
"""

from __future__ import annotations

import argparse
import csv
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.load import LoadDriver, total_load  # noqa: E402 - needs the path above
from harness.ports import first_free_port  # noqa: E402

TINY_SERVER = REPO / "tests" / "load" / "tiny_server.py"
PORTS = range(18390, 18400)
LOCUSTFILE = """
from locust import FastHttpUser, task

class Hammer(FastHttpUser):
    @task
    def ok(self):
        self.client.get("/ok")
"""


def free_port() -> int:
    return first_free_port(PORTS)


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, str(TINY_SERVER), str(port)])
    deadline_s = time.monotonic() + 10
    while time.monotonic() < deadline_s:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("The tiny server did not come up.")


def plain_locust_requests(
    locustfile: Path, host: str, users: int, duration_s: int, workers: int, work_dir: Path
) -> int:
    prefix = work_dir / "plain"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{duration_s}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    if workers:
        command += ["--processes", str(workers)]
    # Exit code 1 only means some request failed; the CSV is what we read.
    subprocess.run(
        command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work_dir
    )
    with open(f"{prefix}_stats.csv", newline="") as stats_file:
        for row in csv.DictReader(stats_file):
            if row["Name"] == "Aggregated":
                return int(row["Request Count"])
    raise SystemExit("Plain Locust wrote no Aggregated row.")


def driver_requests(
    locustfile: Path, host: str, users: int, duration_s: int, workers: int, work_dir: Path
) -> int:
    driver = LoadDriver(
        locustfile,
        host,
        users=users,
        spawn_rate=users,
        workers=workers,
        duration_s=duration_s,
        log_path=work_dir / "driver.log",
    )
    with driver:
        driver.wait(timeout_s=duration_s + 60)
    return total_load(driver.seconds).requests


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(run: object, *run_args: object) -> tuple[int, float]:
    """Run one side; return its request count and the CPU seconds its processes used."""
    cpu_before_s = children_cpu_s()
    requests = run(*run_args)  # type: ignore[operator]
    return requests, children_cpu_s() - cpu_before_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration-s", type=int, default=10)
    parser.add_argument("--workers", type=int, default=0, help="0: one process")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = start_server(port)
    try:
        with tempfile.TemporaryDirectory(prefix="firebreak-bench-") as tmp:
            work_dir = Path(tmp)
            locustfile = work_dir / "locustfile.py"
            locustfile.write_text(textwrap.dedent(LOCUSTFILE))
            run_args = (locustfile, host, args.users, args.duration_s, args.workers, work_dir)
            print(f"users={args.users} duration={args.duration_s}s workers={args.workers} {host}")
            print(
                f"{'round':>5} | {'plain req/s':>11} {'driver req/s':>12} {'ratio':>7} |"
                f" {'plain req/cpu-s':>15} {'driver req/cpu-s':>16} {'ratio':>7}"
            )
            rate_ratios, cpu_ratios = [], []
            for round_number in range(1, args.rounds + 1):
                sides = [("plain", plain_locust_requests), ("driver", driver_requests)]
                if round_number % 2 == 0:
                    sides.reverse()
                results = {name: measured(run, *run_args) for name, run in sides}
                (plain, plain_cpu_s), (ours, ours_cpu_s) = results["plain"], results["driver"]
                plain_per_s, ours_per_s = plain / args.duration_s, ours / args.duration_s
                plain_per_cpu_s, ours_per_cpu_s = plain / plain_cpu_s, ours / ours_cpu_s
                rate_ratios.append(ours_per_s / plain_per_s)
                cpu_ratios.append(ours_per_cpu_s / plain_per_cpu_s)
                print(
                    f"{round_number:>5} | {plain_per_s:>11.0f} {ours_per_s:>12.0f}"
                    f" {rate_ratios[-1]:>7.1%} | {plain_per_cpu_s:>15.0f}"
                    f" {ours_per_cpu_s:>16.0f} {cpu_ratios[-1]:>7.1%}"
                )
            rate_ratio = statistics.median(rate_ratios)
            cpu_ratio = statistics.median(cpu_ratios)
            verdict = "meets" if rate_ratio >= 0.9 else "MISSES"
            print(
                f"median ratio: {rate_ratio:.1%} of plain Locust's req/s ({verdict} the 90% "
                f"target), {cpu_ratio:.1%} of its requests per CPU-second"
            )
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
