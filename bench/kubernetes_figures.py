"""Figures for the Kubernetes platform (issue 11 §4), printed, not asserted.

    python bench/kubernetes_figures.py build            # the cluster's binaries: cached check
    python bench/kubernetes_figures.py up --rounds 3    # `cluster down` then `up` → node Ready
    python bench/kubernetes_figures.py deploy           # the sample: deploy → all replicas Ready
    python bench/kubernetes_figures.py kills --kills 20 # pod deleted → replacement Ready
    python bench/kubernetes_figures.py scenarios --rounds 2 [--time-scale 0.5] [NAME ...]
                                                        # shipped scenarios on the cluster
    python bench/kubernetes_figures.py load --users 40  # Locust here vs Locust as pods

The cold build time is printed by `scripts/build-cluster.sh` itself ("built in N s"); run it on
a machine without `.tools/kubernetes` to see it. Needs root, Docker (`make docker`) and the
binaries (`make cluster`). Traffic goes to 127.0.0.1 and to the cluster's own pods only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FIREBREAK_STATE_DIR", tempfile.mkdtemp(prefix="fb-bench-state-"))
os.environ.setdefault("FIREBREAK_DOCKER_BASE", "offline")

from harness.cluster.layout import default_layout  # noqa: E402
from harness.cluster.node import LocalCluster  # noqa: E402
from harness.platforms.kubernetes.platform import KubernetesPlatform  # noqa: E402
from harness.system import load_system  # noqa: E402

SAMPLE = ROOT / "sample_system" / "system.yaml"


def quiet(message: str) -> None:
    pass


def figure_build() -> None:
    started = time.monotonic()
    subprocess.run([str(ROOT / "scripts" / "build-cluster.sh")], check=True, capture_output=True)
    print(f"build-cluster.sh with every part cached: {time.monotonic() - started:.2f} s")


def figure_up(rounds: int) -> None:
    cluster = LocalCluster(default_layout(), on_message=quiet)
    times = []
    for _ in range(rounds):
        started = time.monotonic()
        cluster.down()
        down_s = time.monotonic() - started
        times.append(cluster.up())
        print(f"down {down_s:.2f} s, up → node Ready and CoreDNS available {times[-1]:.2f} s")
    print(f"cluster up (cached binaries): median {statistics.median(times):.2f} s")


def deployed(tmp: Path) -> KubernetesPlatform:
    platform = KubernetesPlatform(load_system(SAMPLE), tmp, on_message=quiet)
    return platform


def figure_deploy(rounds: int) -> None:
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            platform = deployed(Path(tmp))
            try:
                started = time.monotonic()
                platform.deploy()
                ready_s = platform.wait_ready(180)
                total = time.monotonic() - started
                print(
                    f"sample: {len(platform.instances())} replicas; deploy (objects, Toxiproxy, "
                    f"edges) {platform.deploy_seconds:.2f} s, then all Ready {ready_s:.2f} s; "
                    f"{total:.2f} s in all (image build/load {platform.build_seconds:.2f} s)"
                )
            finally:
                started = time.monotonic()
                platform.teardown()
                print(f"teardown (namespace gone) {time.monotonic() - started:.2f} s")


def figure_kills(kills: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        platform = deployed(Path(tmp))
        events = []
        platform.add_listener(events.append)
        try:
            platform.deploy()
            platform.wait_ready(180)
            took = []
            services = [s for s in platform.system.services]
            for index in range(kills):
                service = services[index % len(services)]
                victim = platform.instances(service)[index % 2]
                before = len([e for e in events if e.kind == "restarted"])
                started = time.monotonic()
                platform.kill(victim.id)
                while len([e for e in events if e.kind == "restarted"]) == before:
                    if time.monotonic() - started > 60:
                        raise SystemExit(f"{victim.id} was not replaced within 60 s")
                    time.sleep(0.02)
                took.append(time.monotonic() - started)
                print(f"kill {victim.id}: replacement Ready after {took[-1]:.2f} s")
            print(
                f"{kills} kills: replacement Ready median {statistics.median(took):.2f} s, "
                f"min {min(took):.2f} s, max {max(took):.2f} s"
            )
        finally:
            platform.teardown()


def figure_scenarios(names: list[str], rounds: int, time_scale: float) -> None:
    from harness.run_model import RunOptions
    from harness.runner import ScenarioRunner
    from harness.scenario import load_scenario_and_system

    paths = [ROOT / "scenarios" / f"{n}.yaml" for n in names] or sorted(
        (ROOT / "scenarios").glob("*.yaml")
    )
    tally: dict[str, int] = {}
    for path in paths:
        for _ in range(rounds):
            scenario, system = load_scenario_and_system(path)
            # the run folders are kept, so a failure's journal and report can be read after
            out_dir = Path(tempfile.mkdtemp(prefix=f"fb-bench-{path.stem}-"))
            options = RunOptions(time_scale=time_scale, out_dir=out_dir, platform="kubernetes")
            started = time.monotonic()
            result = ScenarioRunner(scenario, system, options).run()
            failed = ", ".join(c.name for c in result.failed_checks)
            tally[result.outcome] = tally.get(result.outcome, 0) + 1
            print(
                f"{path.stem}: {result.outcome} in {time.monotonic() - started:.0f} s"
                + (f" (failed: {failed})" if failed else "")
                + (f" error: {result.error}" if result.error else "")
                + (f" [{result.run_dir}]" if result.outcome != "passed" else "")
            )
    print(f"{sum(tally.values())} runs at time scale {time_scale:g}: {tally}")


def figure_load(users: int, rounds: int, seconds: int = 20) -> None:
    """Requests/s at the sample's front door with the same users: Locust on this machine through
    the port-forward, and Locust as pods in the cluster (one pod, then a master and 2 workers)."""
    from harness.load.driver import LoadDriver
    from harness.load.stream import LoadSecond

    with tempfile.TemporaryDirectory() as tmp:
        platform = deployed(Path(tmp))
        try:
            platform.deploy()
            platform.wait_ready(180)
            system = platform.system
            locustfile = system.locustfile_path()
            for where, workers in (("here, port-forward", None), ("1 pod", 0), ("2 workers", 2)):
                rates = []
                for round_ in range(rounds):
                    got: list[LoadSecond] = []
                    log = Path(tmp) / f"load-{where[:4]}-{round_}.log"
                    if workers is None:
                        load = LoadDriver(
                            locustfile,
                            platform.endpoints()["load"],
                            users,
                            users,
                            log_path=log,
                            on_second=got.append,
                            keep_seconds=False,
                        )
                        load.start(hold=True)
                    else:
                        load = platform.start_cluster_load(
                            locustfile=locustfile,
                            users=users,
                            spawn_rate=users,
                            workers=workers,
                            seed=1,
                            env={},
                            log_path=log,
                            on_second=got.append,
                        )
                    try:
                        load.release()
                        load.wait_started(120)
                        time.sleep(seconds)
                    finally:
                        load.stop()
                    full = [s for s in got if s.users == users][2:-1]
                    rates.append(statistics.median(s.requests for s in full) if full else 0.0)
                print(
                    f"{users} users, Locust {where}: median {statistics.median(rates):.0f} "
                    f"requests/s over {rounds} x {seconds} s ({[round(r) for r in rates]})"
                )
        finally:
            platform.teardown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["build", "up", "deploy", "kills", "scenarios", "load"])
    parser.add_argument("names", nargs="*", help="scenarios (default: every shipped one)")
    parser.add_argument("--time-scale", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--users", type=int, default=40)
    args = parser.parse_args()
    if args.figure == "build":
        figure_build()
    elif args.figure == "up":
        figure_up(args.rounds)
    elif args.figure == "deploy":
        figure_deploy(args.rounds)
    elif args.figure == "kills":
        figure_kills(args.kills)
    elif args.figure == "load":
        figure_load(args.users, args.rounds)
    else:
        figure_scenarios(args.names, args.rounds, args.time_scale)


if __name__ == "__main__":
    main()
