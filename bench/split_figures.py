"""Figures for split runs (issue 24), printed, not asserted.

    python bench/split_figures.py busy --runs 10      # verdicts beside two CPU burners, by mode
    python bench/split_figures.py decide --runs 20    # time to verdict, and false verdicts

`busy` runs each scenario once on a quiet machine in each mode (the reference verdict), then
`--runs` times in each mode beside two busy loops (one per core), and prints how often each mode
gave the quiet machine's verdict, and what it gave instead.

`decide` runs the default scenario split on the healthy sample and on a copy with the gateway's
fallbacks switched off (FIREBREAK_DISABLE=fallbacks), and prints the time to verdict (the
`decided` event) against the fixed fault phase, and how many runs gave the wrong verdict.

Every run is the real `firebreak run` CLI on loopback, ports + 2700.
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


def firebreak_run(
    scenario: str, out: Path, split: bool, time_scale: float, env: dict[str, str] | None = None
) -> dict:
    """One run through the CLI; its journal's outcome, checks and events."""
    path = ROOT / "scenarios" / f"{scenario}.yaml"
    command = [
        sys.executable, "-m", "harness.cli.main", "run", str(path),
        "--out", str(out), "--time-scale", str(time_scale), "--port-offset", str(PORT_OFFSET),
    ]  # fmt: skip
    if split:
        command.append("--split")
    for service, assignment in (env or {}).items():
        command += ["--set-env", f"{service}:{assignment}"]
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    journal = json.loads((out / "journal.json").read_text())
    journal["wall_s"] = time.monotonic() - started
    return journal


def burners(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", BURNER]) for _ in range(count)]


def busy(folder: Path, runs: int, time_scale: float, scenarios: list[str]) -> None:
    rows = []
    for scenario in scenarios:
        for split in (False, True):
            mode = "split" if split else "plain"
            quiet = firebreak_run(scenario, folder / f"{scenario}-{mode}-quiet", split, time_scale)
            hot = burners(2)
            try:
                outcomes = [
                    firebreak_run(scenario, folder / f"{scenario}-{mode}-{i}", split, time_scale)[
                        "outcome"
                    ]
                    for i in range(runs)
                ]
            finally:
                for process in hot:
                    process.kill()
                    process.wait()
            same = sum(o == quiet["outcome"] for o in outcomes)
            rows.append((scenario, mode, quiet["outcome"], same, Counter(outcomes)))
            print(f"{scenario:28} {mode:5} quiet={quiet['outcome']:12} busy same {same}/{runs} "
                  f"{dict(Counter(outcomes))}", flush=True)  # fmt: skip
    print("\nscenario                     mode  quiet        same verdict beside 2 burners")
    for scenario, mode, quiet, same, counts in rows:
        print(f"{scenario:28} {mode:5} {quiet:12} {same}/{runs}  {dict(counts)}")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["busy", "decide"])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--time-scale", type=float, default=0.6)
    parser.add_argument("--scenarios", default=",".join(EDGE_SCENARIOS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fb-split-") as folder:
        if args.figure == "busy":
            busy(Path(folder), args.runs, args.time_scale, args.scenarios.split(","))
        else:
            decide(Path(folder), args.runs, args.time_scale)


if __name__ == "__main__":
    main()
