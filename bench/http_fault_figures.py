"""Figures for HTTP faults (issue 14), printed, not asserted.

    python bench/http_fault_figures.py [--calls 2000] [--rounds 20]

On the local platform with the tiny system (stdlib Python), `front->back` served in HTTP mode
and `load->front` in TCP mode:
1. what HTTP mode costs a call: p50 and p99 of GET /whoami through each edge with no rule active
   (one keep-alive connection, straight at the edges' Toxiproxy proxies);
2. how long the runtime API takes to add and to remove a rule (median and max of `--rounds`),
   and the time from the add to the first answer that shows it;
3. how close the share of `http_error` answers comes to `percent` (10, 30, 50 %) over `--calls`
   calls, with the binomial standard deviation beside it.

Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.balancer.http_rules import HttpFaultRule  # noqa: E402
from harness.platforms.local.platform import LocalPlatform  # noqa: E402
from harness.system import load_system  # noqa: E402

EDGE = "front->back"
TINY = ROOT / "tests" / "fixtures" / "tiny_system" / "system.yaml"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latencies_ms(url: str, calls: int) -> list[float]:
    found = []
    with httpx.Client(timeout=5) as client:
        for _ in range(calls):
            started = time.perf_counter()
            client.get(url + "/whoami")
            found.append((time.perf_counter() - started) * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    platform = LocalPlatform(
        load_system(TINY), Path(tempfile.mkdtemp()), http_edges=frozenset({EDGE})
    )
    try:
        platform.deploy()
        platform.wait_ready(20)
        edges = platform.edge_urls
        faults = platform.http_faults
        assert faults is not None
        print("1. a call through an edge with no rule (ms):")
        for name, mode in ((EDGE, "HTTP mode"), ("load->front", "TCP mode")):
            values = latencies_ms(edges[name], args.calls)
            print(
                f"   {name:12} {mode}: p50 {statistics.median(values):.2f}, "
                f"p99 {percentile(values, 0.99):.2f}"
            )
        adds, removes, first_seen = [], [], []
        with httpx.Client(timeout=5) as client:
            for round_index in range(args.rounds):
                rule = HttpFaultRule(f"bench-{round_index}", "error", 100.0, status=503)
                started = time.perf_counter()
                faults.add(faults.frontend_of(EDGE), rule)
                added = time.perf_counter()
                while client.get(edges[EDGE] + "/whoami").status_code != 503:
                    pass
                first_seen.append((time.perf_counter() - added) * 1000)
                adds.append((added - started) * 1000)
                started = time.perf_counter()
                faults.remove("edge_front_to_back", rule.name)
                removes.append((time.perf_counter() - started) * 1000)
            print(f"2. the runtime API over {args.rounds} rounds (ms):")
            for label, values in (("add", adds), ("remove", removes), ("first", first_seen)):
                print(
                    f"   {label:6}: median {statistics.median(values):.2f}, max {max(values):.2f}"
                )
            print(f"3. the share of http_error answers over {args.calls} calls:")
            for percent in (10, 30, 50):
                rule = HttpFaultRule(f"share-{percent}", "error", float(percent), status=503)
                faults.add(faults.frontend_of(EDGE), rule)
                answered = [
                    client.get(edges[EDGE] + "/whoami").status_code for _ in range(args.calls)
                ]
                faults.remove("edge_front_to_back", rule.name)
                share = answered.count(503) / args.calls
                sigma = math.sqrt(percent / 100 * (1 - percent / 100) / args.calls)
                print(
                    f"   percent {percent:2}: {share:.2%} (expected {percent}% ± {sigma:.2%} "
                    f"for one standard deviation; off by {abs(share - percent / 100) / sigma:.1f})"
                )
    finally:
        platform.teardown()


if __name__ == "__main__":
    main()
