"""Figures for the local platform's load balancer (issue 9 §4), printed, not asserted.

    python bench/balancer_figures.py [--rounds 5] [--duration-s 5]

1. What the hops cost at p50 and p99 on a cheap path (the gateway's `/health/live`), one
   connection: straight to one replica's own port, through the service's balancer address, and
   through the front door's Toxiproxy proxy and its edge frontend on the balancer.
2. Deploy → every replica ready and in the balancer's rotation, for the sample (12 replicas).
3. Kill → dropped out of the rotation: with no traffic (the readiness checks find it) and under
   traffic (the first refused connection does), and what the requests around the kill saw.
4. Pause → out of the rotation (two failed checks), and resume → back in.

Traffic goes to 127.0.0.1 only, on the sample's ports + 2600.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.ledger import Ledger  # noqa: E402
from harness.platforms.local.platform import LocalPlatform  # noqa: E402
from harness.system import load_system  # noqa: E402

PORT_OFFSET = 2600


def latencies_ms(url: str, duration_s: float) -> tuple[float, float, int]:
    """p50, p99 and count of sequential keep-alive GETs on one connection."""
    samples = []
    deadline = time.monotonic() + duration_s
    with httpx.Client() as client:
        client.get(url)  # the connection, set up before timing
        while time.monotonic() < deadline:
            started = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99)], len(samples)


def wait_for_state(platform: LocalPlatform, service: str, instance: str, prefix: str) -> float:
    started = time.monotonic()
    while not platform.in_rotation()[service][instance].startswith(prefix):
        if time.monotonic() - started > 15:
            return float("nan")
        time.sleep(0.005)
    return time.monotonic() - started


class Hammer:
    """New-connection GETs on one URL from a thread, with each one's start time and outcome."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: list[tuple[float, float, str]] = []  # start (monotonic), ms, outcome
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=2.0) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get(self.url, headers={"Connection": "close"}).status_code
                    outcome = str(status)
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                self.seen.append((started, (time.monotonic() - started) * 1000, outcome))

    def __enter__(self) -> Hammer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration-s", type=float, default=5.0)
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="fb-bench-balancer-"))
    system = load_system(ROOT / "sample_system" / "system.yaml")
    ledger = Ledger("bench-balancer", run_dir)
    platform = LocalPlatform(system, run_dir, ledger=ledger, port_offset=PORT_OFFSET)
    try:
        started = time.monotonic()
        platform.deploy()
        platform.wait_ready(60)
        ready_s = time.monotonic() - started
        gateway = platform.instances("gateway")[0].url
        paths = [
            ("one replica, direct", gateway),
            ("service address (balancer)", platform.endpoints()["gateway"]),
            ("front door (Toxiproxy + balancer)", platform.endpoints()["load"]),
        ]
        print(f"{'GET /health/live, 1 connection':36} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}")
        for label, base in paths:
            p50, p99, count = latencies_ms(base + "/health/live", args.duration_s)
            print(f"{label:36} {p50:8.3f} {p99:8.3f} {count:9d}")
        print(f"deploy → 12 replicas ready and in rotation: {ready_s:.2f} s")

        idle_out, busy_out, back_in, paused_out, resumed_in = [], [], [], [], []
        worst_ms: list[float] = []
        failed: Counter[str] = Counter()
        for _ in range(args.rounds):
            platform.kill("catalog-1")
            idle_out.append(wait_for_state(platform, "catalog", "catalog-1", "DOWN"))
            back_in.append(idle_out[-1] + wait_for_state(platform, "catalog", "catalog-1", "UP"))
            with Hammer(platform.endpoints()["catalog"] + "/health/live") as hammer:
                time.sleep(0.3)
                killed_at = time.monotonic()
                platform.kill("catalog-1")
                busy_out.append(wait_for_state(platform, "catalog", "catalog-1", "DOWN"))
                time.sleep(0.3)
            around = [s for s in hammer.seen if killed_at - 0.1 <= s[0] <= killed_at + 0.5]
            worst_ms.append(max((ms for _, ms, _ in around), default=float("nan")))
            failed.update(outcome for *_, outcome in around if outcome != "200")
            wait_for_state(platform, "catalog", "catalog-1", "UP")
            platform.pause("catalog-1")
            paused_out.append(wait_for_state(platform, "catalog", "catalog-1", "DOWN"))
            platform.resume("catalog-1")
            resumed_in.append(wait_for_state(platform, "catalog", "catalog-1", "UP"))

        def line(values: list[float]) -> str:
            return (
                f"median {statistics.median(values) * 1000:.0f} ms "
                f"(max {max(values) * 1000:.0f} ms over {len(values)})"
            )

        print(f"kill → out of rotation, no traffic:   {line(idle_out)}")
        print(f"kill → out of rotation, under traffic: {line(busy_out)}")
        print(
            f"requests started within 0.5 s of a kill: worst {max(worst_ms):.0f} ms, failed: "
            f"{dict(failed) or 'none'} (a request in flight on the killed replica fails, as on a "
            "cluster)"
        )
        print(f"kill → replacement (1 s restart delay) in rotation: {line(back_in)}")
        print(f"pause → out of rotation:               {line(paused_out)}")
        print(f"resume → back in rotation:             {line(resumed_in)}")
    finally:
        platform.teardown()
        ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
