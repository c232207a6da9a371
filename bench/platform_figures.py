"""Figures for the local platform (issue 2 §5), printed, not asserted.

    python bench/platform_figures.py [--rounds 3] [--duration-s 5]

1. Time from `firebreak up` to every replica ready (6 services × 2 replicas; target ≤ 5 s),
   measured from the moment the command is started to the moment its ledger lists the
   endpoints (which it writes once every replica answered its ready path).
2. Throughput and p50/p99 latency of the gateway straight to its port and through the
   `load->gateway` Toxiproxy proxy, side by side (target: the hop adds ≤ 0.5 ms at p50), with
   wrk from Debian's packages (falls back to a Python client if wrk is missing).
3. Teardown time (SIGINT to exit) and the count of processes left behind (target 0).

Traffic goes to 127.0.0.1 only, on the sample's ports + 2500.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.ledger import read_ledgers  # noqa: E402

PORT_OFFSET = 2500


def start_up(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], float, dict]:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli.main", "up", "--port-offset", str(PORT_OFFSET)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        ledgers = read_ledgers()
        if ledgers and ledgers[0].info.get("endpoints"):
            return process, time.monotonic() - started, ledgers[0]
        if process.poll() is not None or time.monotonic() - started > 60:
            raise SystemExit("`firebreak up` did not come up")
        time.sleep(0.01)


def wrk(url: str, duration_s: int, connections: int) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms."""
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, millis("50%"), millis("99%")


def python_client(url: str, duration_s: int, connections: int) -> tuple[float, float, float]:
    import httpx

    latencies = []
    deadline = time.monotonic() + duration_s
    with httpx.Client() as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            client.get(url)
            latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return (
        len(latencies) / duration_s,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration-s", type=int, default=5)
    parser.add_argument(
        "--paths",
        default="/health/live,/products/7",
        help="gateway paths to load: a cheap one shows the hop itself, a page the whole system",
    )
    parser.add_argument("--connections", type=int, default=1, help="wrk connections (-c)")
    args = parser.parse_args()
    env = {
        **os.environ,
        "FIREBREAK_STATE_DIR": tempfile.mkdtemp(prefix="fb-bench-state-"),
        "FIREBREAK_REPORTS": tempfile.mkdtemp(prefix="fb-bench-reports-"),
    }
    os.environ.update({"FIREBREAK_STATE_DIR": env["FIREBREAK_STATE_DIR"]})
    measure = wrk if shutil.which("wrk") else python_client
    ready_s, teardown_s, leftovers = [], [], []
    rows = []
    for round_number in range(args.rounds):
        process, seconds, ledger = start_up(env)
        ready_s.append(seconds)
        pids = [p.pid for p in ledger.processes]
        endpoints = ledger.info["endpoints"]
        if round_number == 0:
            for path in args.paths.split(","):
                for label, base in (("direct", endpoints["gateway"]), ("proxy", endpoints["load"])):
                    figures = measure(base + path, args.duration_s, args.connections)
                    rows.append((f"{path} {label}", figures))
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        teardown_s.append(time.monotonic() - started)
        time.sleep(0.2)
        leftovers.append(
            sum(1 for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie")
        )
    print(f"client: {measure.__name__}, {args.connections} connection(s), {args.duration_s} s each")
    print(f"{'gateway path, how':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for label, (rate, p50, p99) in rows:
        print(f"{label:28} {rate:9.0f} {p50:8.3f} {p99:8.3f}")
    for direct, proxied in zip(rows[::2], rows[1::2], strict=True):
        hop_ms = proxied[1][1] - direct[1][1]
        print(f"Toxiproxy hop at p50 on {direct[0].split()[0]}: {hop_ms:+.3f} ms (target ≤ 0.5 ms)")
    print(
        f"up → 12 replicas ready: median {statistics.median(ready_s):.2f} s "
        f"(rounds: {', '.join(f'{s:.2f}' for s in ready_s)}; target ≤ 5 s)"
    )
    print(
        f"teardown: median {statistics.median(teardown_s):.2f} s; processes left behind: "
        f"{sum(leftovers)} (target 0)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
