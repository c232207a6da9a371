"""Figures for traces as evidence (issue 25), printed, not asserted.

    python bench/trace_figures.py build                # Jaeger's build: cold and cached
    python bench/trace_figures.py cost --runs 3        # tracing's cost, on and off alternately
        [--time-scale 0.6] [--scenario default]

`build` builds Jaeger v1.75.0 with `scripts/build-jaeger.sh` into a scratch folder twice: with an
empty Go build cache (cold; the module cache is kept: the modules themselves are a download,
about 2 minutes on a new machine, said apart) and again with the cache that build left (cached).
It prints wall-clock seconds and the CPU-seconds the build used.

`cost` runs the scenario (default: the sample's default scenario) `--runs` times with traces and
as many without, alternately, and prints: the front door's baseline p50 and p99
(tracing's overhead as users see it), the machine's CPU-seconds over each run (/proc/stat), and
for the traced runs Jaeger's resident memory once it held the run, the spans and traces read, the
bytes of JSON and the seconds reading them took.

Every run is the real `firebreak run` CLI on loopback, ports + 2900.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT_OFFSET = 2900
sys.path.insert(0, str(ROOT))


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(_: argparse.Namespace) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="jaeger-bench-"))
    try:
        for label, gocache in (("cold", scratch / "gocache"), ("cached", scratch / "gocache")):
            out = scratch / f"jaeger-{label}"
            env = {**os.environ, "GOCACHE": str(gocache), "FIREBREAK_JAEGER_TOOLS": str(out)}
            cpu_before, started = _children_cpu_s(), time.monotonic()
            subprocess.run(
                [str(ROOT / "scripts" / "build-jaeger.sh")], env=env, check=True,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            wall_s, cpu_s = time.monotonic() - started, _children_cpu_s() - cpu_before
            size_mb = (out / "bin" / "jaeger").stat().st_size / 1e6
            print(f"{label:7} {wall_s:7.1f} s wall, {cpu_s:7.1f} CPU-s, binary {size_mb:.0f} MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _cpu_ticks() -> int:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(fields[3]) + int(fields[4])
    return sum(int(f) for f in fields[:8]) - idle


def _baseline_percentiles(journal: dict) -> tuple[float | None, float | None]:
    from harness.checks.windows import front_door_stats
    from harness.observe.series import Observations

    obs = Observations.from_json(journal["observations"])
    baseline = obs.phase("baseline")
    stats = front_door_stats(obs, baseline.start, baseline.end)
    return stats.p50_ms, stats.p99_ms


def _run(scenario: Path, out: Path, traced: bool, time_scale: float) -> tuple[dict, float]:
    command = [
        sys.executable, "-m", "harness.cli.main", "run", str(scenario), "--out", str(out),
        "--time-scale", str(time_scale), "--port-offset", str(PORT_OFFSET),
        "--traces" if traced else "--no-traces",
    ]  # fmt: skip
    ticks = _cpu_ticks()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu_s = (_cpu_ticks() - ticks) / os.sysconf("SC_CLK_TCK")
    return json.loads((out / "journal.json").read_text()), cpu_s


def cost(args: argparse.Namespace) -> None:
    scenario = ROOT / "scenarios" / f"{args.scenario}.yaml"
    folder = Path(tempfile.mkdtemp(prefix="trace-cost-"))
    rows: dict[bool, list[dict]] = {True: [], False: []}
    for index in range(args.runs):
        for traced in (False, True):
            journal, cpu_s = _run(scenario, folder / f"{traced}-{index}", traced, args.time_scale)
            p50, p99 = _baseline_percentiles(journal)
            traces = journal["observations"].get("traces", {})
            rows[traced].append({"p50": p50, "p99": p99, "cpu": cpu_s, **traces})
            print(
                f"run {index + 1} {'traced' if traced else 'plain '} {journal['outcome']:12} "
                f"p50 {p50:.1f} ms p99 {p99:.1f} ms, {cpu_s:.1f} CPU-s"
                + (
                    f"; {traces['spans']} spans in {traces['traces']} traces, "
                    f"{traces['read_bytes'] / 1e6:.1f} MB read in {traces['read_s']:.2f} s, "
                    f"Jaeger {traces.get('store_rss_mb', '?')} MB"
                    if traced and "spans" in traces
                    else ""
                )
            )
    for traced, found in rows.items():
        label = "traced" if traced else "plain"
        median = {k: statistics.median(r[k] for r in found) for k in ("p50", "p99", "cpu")}
        print(
            f"{label:7} median: p50 {median['p50']:.1f} ms, p99 {median['p99']:.1f} ms, "
            f"{median['cpu']:.1f} CPU-s a run"
        )
    print(f"journals in {folder}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/trace_figures.py")
    modes = parser.add_subparsers(dest="mode", required=True)
    modes.add_parser("build").set_defaults(handler=build)
    costs = modes.add_parser("cost")
    costs.add_argument("--runs", type=int, default=3)
    costs.add_argument("--time-scale", type=float, default=0.6)
    costs.add_argument("--scenario", default="default")
    costs.set_defaults(handler=cost)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
