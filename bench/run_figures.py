"""Figures for the scenario runner (issue 3 §8), printed, not asserted.

    python bench/run_figures.py overhead        # harness time beyond the scenario (target ≤ 3 s)
    python bench/run_figures.py system-start     # of that, the system's own start (no load)
    python bench/run_figures.py gate --rounds 4 # the same, per scenario, on one shared deployment
    python bench/run_figures.py fault-delay     # scheduled → confirmed by Toxiproxy (p99 ≤ 10 ms)
    python bench/run_figures.py memory --minutes 1   # peak RSS of the harness for a run
    python bench/run_figures.py memory --minutes 10  # (compare: within 10% of the 1-minute run)

Each runs the real sample system on loopback (ports + 2600) through `ScenarioRunner`, in this
process, so `getrusage` sees the harness itself (the services and Locust are other processes).
Load throughput against plain Locust: bench/load_throughput.py.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FIREBREAK_STATE_DIR", tempfile.mkdtemp(prefix="fb-bench-state-"))

from harness.runner import RunOptions, ScenarioRunner  # noqa: E402
from harness.scenario import load_scenario_and_system  # noqa: E402

PORT_OFFSET = 2600


def write_scenario(folder: Path, name: str, phases: dict[str, str], faults: str) -> Path:
    path = folder / f"{name}.yaml"
    system = ROOT / "sample_system" / "system.yaml"
    phase_lines = "\n".join(f"  {k}: {v}" for k, v in phases.items())
    path.write_text(
        f"name: {name}\ndescription: a bench run\nsystem: {system}\nseed: 7\n"
        f"load: {{users: 10, spawn_rate: 10}}\nphases:\n{phase_lines}\nfaults:\n{faults}\n"
        "expect:\n  tolerance: {error_rate_delta: 0.05}\n"
    )
    return path


def run(path: Path, out: Path, render: bool = True):
    scenario, system = load_scenario_and_system(path)
    options = RunOptions(out_dir=out, port_offset=PORT_OFFSET, render_reports=render)
    runner = ScenarioRunner(scenario, system, options)
    started = time.monotonic()
    result = runner.run()
    return result, time.monotonic() - started, runner.timeline.total_s


def overhead(folder: Path, rounds: int) -> None:
    path = overhead_scenario(folder)
    extras = []
    for index in range(rounds):
        result, wall_s, scenario_s = run(path, folder / f"overhead-{index}")
        extra = wall_s - scenario_s
        extras.append(extra)
        parts = ", ".join(f"{k} {v:.2f}" for k, v in result.timings_s.items() if k != "scenario")
        print(
            f"round {index + 1}: wall {wall_s:.2f} s, scenario {scenario_s:.2f} s, "
            f"overhead {extra:.2f} s ({parts}); outcome {result.outcome}"
        )
    print(f"harness overhead: median {statistics.median(extras):.2f} s (target ≤ 3 s)")


def overhead_scenario(folder: Path, name: str = "overhead") -> Path:
    faults = (
        "  - {name: slow, type: latency, target: gateway->recommendations, at: 1s, "
        "duration: 3s, latency_ms: 500}"
    )
    return write_scenario(
        folder,
        name,
        {"warmup": "2s", "baseline": "3s", "faults": "5s", "recovery": "3s"},
        faults,
    )


def gate_overhead(folder: Path, rounds: int) -> None:
    """`rounds` copies of the overhead scenario through `firebreak gate`'s path: one deployment,
    so each scenario pays only its own load start, verdict and reports."""
    from harness.gate.plan import read_entries
    from harness.gate.runner import GateRunner

    paths = [overhead_scenario(folder, f"overhead-{index}") for index in range(rounds)]
    entries = read_entries(paths)
    options = RunOptions(port_offset=PORT_OFFSET)
    runner = GateRunner(entries, folder / "gate", options)
    started = time.monotonic()
    outcome = runner.run()
    wall_s = time.monotonic() - started
    scenario_s = entries[0].timeline.total_s
    extras = []
    for scenario in outcome.scenarios:
        result = outcome.results[scenario.name]
        extra = scenario.wall_s - scenario_s
        extras.append(extra)
        parts = ", ".join(f"{k} {v:.2f}" for k, v in result.timings_s.items() if k != "scenario")
        print(
            f"{scenario.name}: wall {scenario.wall_s:.2f} s, scenario {scenario_s:.2f} s, "
            f"overhead {extra:.2f} s ({parts}), waited {scenario.restored_s or 0:.2f} s for a "
            f"whole system; outcome {scenario.outcome}"
        )
    shared = outcome.deployments[0]["timings_s"]
    print(f"the deployment, once: {shared}; the gate's wall {wall_s:.2f} s")
    print(f"per-scenario overhead in a gate: median {statistics.median(extras):.2f} s")


def system_start(folder: Path, rounds: int) -> None:
    """The sample's own start on the local platform, with no load and no scenario: deploy,
    every replica ready and in rotation, teardown. What of the run's `ready` is the system's,
    and what CPU its interpreters burn to get there (on 2 cores, 12 of them share 2 cores)."""
    from harness.ledger import Ledger
    from harness.platforms.factory import make_platform

    _, system = load_scenario_and_system(overhead_scenario(folder))
    ready = []
    for index in range(rounds):
        run_dir = folder / f"start-{index}"
        run_dir.mkdir()
        options = RunOptions(out_dir=run_dir, port_offset=PORT_OFFSET)
        ledger = Ledger(run_dir.name, run_dir)
        platform = make_platform("local", system, run_dir, ledger, options, lambda _m: None)
        try:
            started = time.monotonic()
            platform.deploy()
            ready_s = platform.wait_ready(60)
            wall_s = time.monotonic() - started
            cpu_s = sum(_cpu_s(slot.process.pid) for slot in platform.supervisor.slots.values())
        finally:
            platform.teardown()
        ready.append(wall_s)
        print(
            f"round {index + 1}: deploy + ready {wall_s:.2f} s (ready {ready_s:.2f} s); "
            f"{len(platform.supervisor.slots)} replicas used {cpu_s:.2f} CPU-s to get there "
            f"({cpu_s / os.cpu_count():.2f} s on {os.cpu_count()} cores)"
        )
    print(f"the system's start, alone: median {statistics.median(ready):.2f} s")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fault_delay(folder: Path, faults_count: int) -> None:
    lines = []
    for index in range(faults_count):
        edge = ["gateway->recommendations", "gateway->inventory", "orders->payments"][index % 3]
        lines.append(
            f"  - {{name: f{index}, type: latency, target: {edge}, at: {index * 0.2:.1f}s, "
            f"duration: 0.15s, latency_ms: 5}}"
        )
    span_s = faults_count * 0.2 + 1
    path = write_scenario(
        folder,
        "fault-delay",
        {"warmup": "1s", "baseline": "2s", "faults": f"{span_s:.1f}s", "recovery": "1s"},
        "\n".join(lines),
    )
    result, _, _ = run(path, folder / "fault-delay", render=False)
    from harness.reports.journal import read_journal

    events = read_journal(result.journal_path).observations.events
    delays = sorted(
        e.confirm_delay_ms for e in events if e.source == "fault" and e.confirm_delay_ms is not None
    )
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(
        f"{len(delays)} fault actions (apply + revert): scheduled → confirmed by Toxiproxy "
        f"p50 {statistics.median(delays):.2f} ms, p99 {p99:.2f} ms, max {delays[-1]:.2f} ms "
        "(target p99 ≤ 10 ms)"
    )


def memory(folder: Path, minutes: float) -> None:
    total_s = minutes * 60
    faults = (
        f"  - {{name: slow, type: latency, target: gateway->recommendations, "
        f"at: {total_s * 0.1:.0f}s, duration: {total_s * 0.3:.0f}s, latency_ms: 500}}"
    )
    path = write_scenario(
        folder,
        f"memory-{minutes:g}m",
        {
            "warmup": f"{total_s * 0.1:.0f}s",
            "baseline": f"{total_s * 0.2:.0f}s",
            "faults": f"{total_s * 0.5:.0f}s",
            "recovery": f"{total_s * 0.2:.0f}s",
        },
        faults,
    )
    result, wall_s, _ = run(path, folder / f"memory-{minutes:g}m")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    requests = sum(p.requests for p in _front_door(result.journal_path))
    print(
        f"{minutes:g}-minute run: wall {wall_s:.0f} s, {requests} requests, harness peak RSS "
        f"{peak_mb:.1f} MB (journal {result.journal_path.stat().st_size / 1e6:.1f} MB), "
        f"outcome {result.outcome}"
    )


def _front_door(journal_path: Path):
    from harness.reports.journal import read_journal

    return read_journal(journal_path).observations.front_door


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "figure", choices=["overhead", "system-start", "gate", "fault-delay", "memory"]
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--faults", type=int, default=60)
    parser.add_argument("--minutes", type=float, default=1.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fb-bench-"))
    if args.figure == "overhead":
        overhead(folder, args.rounds)
    elif args.figure == "system-start":
        system_start(folder, args.rounds)
    elif args.figure == "gate":
        gate_overhead(folder, args.rounds)
    elif args.figure == "fault-delay":
        fault_delay(folder, args.faults)
    else:
        memory(folder, args.minutes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
