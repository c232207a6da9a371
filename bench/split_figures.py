"""Figures for split runs (issue 24), printed, not asserted.

    python bench/split_figures.py busy --runs 10      # verdicts beside two CPU burners, by mode
        [--modes plain,split] [--plain-runs N] [--time-scale 1.0] [--keep DIR]
    python bench/split_figures.py decide --runs 20    # time to verdict, and false verdicts
    python bench/split_figures.py patterns            # patterns switched off, and fx-quotes
    python bench/split_figures.py cost --runs 3       # what split mode costs: CPU, latency
    python bench/split_figures.py sweep --runs 2      # a sweep's cells beside two CPU burners
        [--modes plain,split] [--rows A->B,...] [--fault-s 6]

`busy` runs each scenario once on a quiet machine in each mode (the reference verdict), then
`--runs` times in each mode beside two busy loops (one per core), and prints how often each mode
gave the quiet machine's verdict, and what it gave instead.

`decide` runs the default scenario split on the healthy sample and on a copy with the gateway's
fallbacks switched off (FIREBREAK_DISABLE=fallbacks), and prints the time to verdict (the
`decided` event) against the fixed fault phase, and how many runs gave the wrong verdict.

`patterns` runs the four "pattern switched off" copies of the sample (tests/integration/
patterns_off.py) and fx-quotes' two blackholes, plain and split, and prints the checks each
failed: split mode must fail the same plain checks, and may add its own.

`cost` runs the default scenario plain and split (`--full-length`, so both run as long) on the
healthy sample and prints the machine's CPU-seconds over each run (/proc/stat: the services, the
proxies, the load and the harness), the front door's baseline p50/p99, and the extra parts split
mode starts (control proxies; a replica where the divided service runs one).

`sweep` sweeps the sample's gateway edges (`SWEEP_ROWS`, latency and down) plain and split,
once on a quiet machine and `--runs` times beside two busy loops, and prints each cell's verdicts:
a plain sweep's busy cells are `no evidence`; a split sweep's cells on the entrypoint's edges are
judged by arm.

Every run is the real `firebreak run` (or `sweep`) CLI on loopback, ports + 2700.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT_OFFSET = 2700
EDGE_SCENARIOS = (
    "default",
    "inventory-blackhole",
    "inventory-down",
    "recommendations-latency",
    "recommendations-reset-peer",
)
BURNER = "while True: pass"


PATTERNS_OFF = (  # as tests/integration/patterns_off.py
    ("fallbacks", "gateway", "default"),
    ("timeouts", "gateway", "default"),
    ("breakers", "gateway", "inventory-down"),
    ("idempotency", "orders", "payments-down"),
)
FX_QUOTES = ROOT / "examples" / "fx-quotes" / "scenarios"


def firebreak_run(
    scenario: str | Path,
    out: Path,
    split: bool,
    time_scale: float,
    env: dict[str, str] | None = None,
    full_length: bool = False,
) -> dict:
    """One run through the CLI; its journal's outcome, checks and events."""
    path = scenario if isinstance(scenario, Path) else ROOT / "scenarios" / f"{scenario}.yaml"
    command = [
        sys.executable, "-m", "harness.cli.main", "run", str(path),
        "--out", str(out), "--time-scale", str(time_scale), "--port-offset", str(PORT_OFFSET),
    ]  # fmt: skip
    if split:
        command.append("--split")
    if full_length:
        command.append("--full-length")
    for service, assignment in (env or {}).items():
        command += ["--set-env", f"{service}:{assignment}"]
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    journal = json.loads((out / "journal.json").read_text())
    journal["wall_s"] = time.monotonic() - started
    return journal


def burners(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", BURNER]) for _ in range(count)]


def busy(
    folder: Path,
    runs: int,
    time_scale: float,
    scenarios: list[str],
    modes: list[str],
    plain_runs: int,
) -> None:
    rows = []
    for scenario in scenarios:
        for mode in modes:
            split = mode == "split"
            mode_runs = runs if split else plain_runs
            quiet = firebreak_run(scenario, folder / f"{scenario}-{mode}-quiet", split, time_scale)
            hot = burners(2)
            try:
                outcomes = [
                    firebreak_run(scenario, folder / f"{scenario}-{mode}-{i}", split, time_scale)[
                        "outcome"
                    ]
                    for i in range(mode_runs)
                ]
            finally:
                for process in hot:
                    process.kill()
                    process.wait()
            same = sum(o == quiet["outcome"] for o in outcomes)
            rows.append((scenario, mode, quiet["outcome"], same, len(outcomes), Counter(outcomes)))
            said = f"busy same {same}/{mode_runs} {dict(Counter(outcomes))}"
            print(f"{scenario:28} {mode:5} quiet={quiet['outcome']:12} {said}", flush=True)
    print("\nscenario                     mode  quiet        same verdict beside 2 burners")
    for scenario, mode, quiet, same, ran, counts in rows:
        print(f"{scenario:28} {mode:5} {quiet:12} {same}/{ran}  {dict(counts)}")


def decide(folder: Path, runs: int, time_scale: float) -> None:
    for label, env in (
        ("healthy", None),
        ("fallbacks off", {"gateway": "FIREBREAK_DISABLE=fallbacks"}),
    ):
        wanted = "passed" if env is None else "failed"
        decided_s, faults_s, wrong, outcomes = [], [], 0, Counter()
        for index in range(runs):
            out = folder / f"decide-{label.replace(' ', '-')}-{index}"
            journal = firebreak_run("default", out, True, time_scale, env)
            outcomes[journal["outcome"]] += 1
            wrong += journal["outcome"] not in (wanted, "inconclusive")
            checks = {c["name"]: c for c in journal["checks"]}
            failures = checks.get("split front door failures", {}).get("numbers", {})
            if failures.get("decided_after_s") is not None:
                decided_s.append(failures["decided_after_s"])
            phase = next(p for p in journal["observations"]["phases"] if p["name"] == "faults")
            faults_s.append(phase["end"] - phase["start"])
        median = statistics.median(decided_s) if decided_s else None
        print(f"{label:14} runs={runs} outcomes={dict(outcomes)} wrong verdicts={wrong} "
              f"decided in {len(decided_s)} (median {median} s) "
              f"fault phase median {statistics.median(faults_s):.1f} s")  # fmt: skip


def _busy_jiffies() -> int:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(fields[3]) + int(fields[4])  # idle and iowait
    return sum(int(f) for f in fields[:8]) - idle


def _baseline_percentiles(journal: dict) -> tuple[float | None, float | None]:
    sys.path.insert(0, str(ROOT))
    from harness.checks.windows import front_door_stats
    from harness.observe.series import Observations

    obs = Observations.from_json(journal["observations"])
    baseline = obs.phase("baseline")
    stats = front_door_stats(obs, baseline.start, baseline.end)
    return stats.p50_ms, stats.p99_ms


def cost(folder: Path, runs: int, time_scale: float) -> None:
    import os

    tick = os.sysconf("SC_CLK_TCK")
    for split in (False, True):
        mode = "split" if split else "plain"
        cpu_s, p50s, p99s = [], [], []
        for index in range(runs):
            before = _busy_jiffies()
            journal = firebreak_run(
                "default", folder / f"cost-{mode}-{index}", split, time_scale, full_length=True
            )
            cpu_s.append((_busy_jiffies() - before) / tick)
            p50, p99 = _baseline_percentiles(journal)
            p50s.append(p50 or 0.0)
            p99s.append(p99 or 0.0)
        plan = (journal["evidence"].get("split") or {}).get("plan", "–")
        print(f"{mode:5} runs={runs} CPU-s per run median {statistics.median(cpu_s):.1f} "
              f"(all {[round(c, 1) for c in cpu_s]}); baseline p50 "
              f"{statistics.median(p50s):.1f} ms, p99 {statistics.median(p99s):.1f} ms; {plan}",
              flush=True)  # fmt: skip


SWEEP_ROWS = "gateway->recommendations,gateway->inventory,gateway->catalog"


def firebreak_sweep(out: Path, split: bool, rows: str, fault_s: float) -> dict[str, str]:
    """One sweep of `rows` through the CLI: each cell's verdict."""
    command = [
        sys.executable, "-m", "harness.cli.main", "sweep", "--only", rows,
        "--faults", "latency,down", "--fault-s", str(fault_s), "--out", str(out),
        "--port-offset", str(PORT_OFFSET),
    ] + (["--split"] if split else [])  # fmt: skip
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    cells = json.loads((out / "map.json").read_text())["cells"]
    return {cell_id: cell["verdict"] for cell_id, cell in sorted(cells.items())}


def sweep_busy(folder: Path, runs: int, modes: list[str], rows: str, fault_s: float) -> None:
    for mode in modes:
        split = mode == "split"
        quiet = firebreak_sweep(folder / f"sweep-{mode}-quiet", split, rows, fault_s)
        hot = burners(2)
        try:
            busy_runs = [firebreak_sweep(folder / f"sweep-{mode}-{i}", split, rows, fault_s)
                         for i in range(runs)]  # fmt: skip
        finally:
            for process in hot:
                process.kill()
                process.wait()
        same = sum(run[c] == v for run in busy_runs for c, v in quiet.items() if c in run)
        print(f"{mode}: {same}/{len(quiet) * runs} busy cells gave the quiet verdict", flush=True)
        for cell_id, verdict in quiet.items():
            print(f"    {cell_id:36} quiet {verdict:10} busy {[r.get(cell_id) for r in busy_runs]}")


def _failed(journal: dict) -> list[str]:
    return sorted(
        c["name"] for c in journal["checks"] if not c["passed"] and not c.get("set_aside")
    )


def patterns(folder: Path, time_scale: float) -> None:
    cases = [
        (f"{pattern} off in {service}", scenario, {service: f"FIREBREAK_DISABLE={pattern}"})
        for pattern, service, scenario in PATTERNS_OFF
    ]
    cases += [(f"fx-quotes {name}", FX_QUOTES / f"{name}.yaml", None)
              for name in ("rates-blackhole", "news-blackhole")]  # fmt: skip
    for label, scenario, env in cases:
        runs = {}
        for split in (False, True):
            out = folder / f"{label.replace(' ', '-')}-{'split' if split else 'plain'}"
            runs[split] = firebreak_run(scenario, out, split, time_scale, env)
        plain, split_run = _failed(runs[False]), _failed(runs[True])
        plain_checks_in_split = [c for c in split_run if not c.startswith("split ")]
        same = plain == plain_checks_in_split
        print(f"{label:28} plain {runs[False]['outcome']:12} split {runs[True]['outcome']:12} "
              f"same plain checks failed: {same}", flush=True)  # fmt: skip
        print(f"    plain failed: {plain}")
        print(f"    split failed: {split_run}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["busy", "decide", "patterns", "cost", "sweep"])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--time-scale", type=float, default=0.6)
    parser.add_argument("--scenarios", default=",".join(EDGE_SCENARIOS))
    parser.add_argument("--modes", default="plain,split", help="busy: which modes, in order")
    parser.add_argument("--plain-runs", type=int, help="busy: plain runs (default: --runs)")
    parser.add_argument("--keep", type=Path, help="keep every run's folder here")
    parser.add_argument("--rows", default=SWEEP_ROWS, help="sweep: the rows swept")
    parser.add_argument("--fault-s", type=float, default=6.0, help="sweep: each cell's fault")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fb-split-") as temporary:
        folder = args.keep or temporary
        if args.figure == "busy":
            plain_runs = args.runs if args.plain_runs is None else args.plain_runs
            busy(
                Path(folder),
                args.runs,
                args.time_scale,
                args.scenarios.split(","),
                args.modes.split(","),
                plain_runs,
            )
        elif args.figure == "decide":
            decide(Path(folder), args.runs, args.time_scale)
        elif args.figure == "cost":
            cost(Path(folder), args.runs, args.time_scale)
        elif args.figure == "sweep":
            sweep_busy(Path(folder), args.runs, args.modes.split(","), args.rows, args.fault_s)
        else:
            patterns(Path(folder), args.time_scale)


if __name__ == "__main__":
    main()
