"""Figures for the Docker platform (issue 10 §5), printed, not asserted.

    python bench/docker_figures.py base        # the offline base made again (debootstrap + import)
    python bench/docker_figures.py images      # build: cold, cached, after a one-line change
    python bench/docker_figures.py platform    # deploy → ready, teardown, kill → replacement
    python bench/docker_figures.py overhead    # the default scenario's harness time, both platforms

Uses the engine `scripts/setup-docker.sh` starts and the base `FIREBREAK_DOCKER_BASE` names
(`offline` by default here: no registry). Traffic goes to 127.0.0.1 and to the run's own
containers only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FIREBREAK_STATE_DIR", tempfile.mkdtemp(prefix="fb-bench-state-"))
os.environ.setdefault("FIREBREAK_DOCKER_BASE", "offline")

import httpx  # noqa: E402

from harness.images.builder import ImagePlan, images_for  # noqa: E402
from harness.ledger import Ledger  # noqa: E402
from harness.platforms.docker.engine import engine  # noqa: E402
from harness.platforms.docker.platform import DockerPlatform  # noqa: E402
from harness.platforms.factory import image_plan_from_env  # noqa: E402
from harness.runner import RunOptions, ScenarioRunner  # noqa: E402
from harness.scenario import load_scenario_and_system  # noqa: E402
from harness.system import load_system  # noqa: E402

SAMPLE = ROOT / "sample_system" / "system.yaml"


def quiet(message: str) -> None:
    pass


def build_seconds(system_path: Path, plan: ImagePlan) -> tuple[float, int]:
    with contextlib.closing(engine()) as client:
        started = time.monotonic()
        _, built = images_for(client, load_system(system_path), plan, quiet)
        return time.monotonic() - started, sum(b.built for b in built)


def base(_: argparse.Namespace) -> None:
    """The offline base made again from nothing: debootstrap, then `docker import`."""
    from harness.images.offline_base import base_tag, ensure_offline_base

    with contextlib.closing(engine()) as client:
        tag = base_tag()
        with contextlib.suppress(Exception):
            client.images.remove(tag)
        started = time.monotonic()
        ensure_offline_base(client, quiet)
        made_s = time.monotonic() - started
        size_mb = client.images.get(tag).attrs["Size"] / 1e6
    print(f"offline base {tag}: made in {made_s:.1f} s, {size_mb:.0f} MB")


def images(_: argparse.Namespace) -> None:
    plan = image_plan_from_env()
    cold_s, built = build_seconds(SAMPLE, ImagePlan(plan.base, plan.offline_base, no_cache=True))
    print(f"cold build (no layer cache, base present): {cold_s:.1f} s, {built} image(s) built")
    cached_s, built = build_seconds(SAMPLE, plan)
    print(f"unchanged (found by hash, nothing built): {cached_s:.2f} s, {built} built")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "sample_system"
        shutil.copytree(ROOT / "sample_system", copy, ignore=shutil.ignore_patterns("__pycache__"))
        app = copy / "gateway" / "app.py"
        app.write_text(app.read_text() + "\n# a one-line change\n")
        changed_s, built = build_seconds(copy / "system.yaml", plan)
    print(f"after a one-line change in gateway/app.py: {changed_s:.1f} s, {built} built")


def platform(args: argparse.Namespace) -> None:
    system = load_system(SAMPLE)
    ready, teardown, back = [], [], []
    for index in range(args.rounds):
        run_dir = Path(tempfile.mkdtemp(prefix="fb-bench-docker-"))
        ledger = Ledger(f"bench-{index}", run_dir)
        target = DockerPlatform(
            system, run_dir, ledger=ledger, images=image_plan_from_env(), on_message=quiet
        )
        try:
            started = time.monotonic()
            target.deploy()
            target.wait_ready(60)
            ready.append(time.monotonic() - started)
            victim = target.instances("inventory")[0].id
            killed = time.monotonic()
            target.kill(victim)
            while target.supervisor.slot(victim).state != "running":
                time.sleep(0.02)
            back.append(time.monotonic() - killed)
            httpx.get(target.endpoints()["load"] + "/products/1", timeout=3).raise_for_status()
        finally:
            started = time.monotonic()
            target.teardown()
            teardown.append(time.monotonic() - started)
            ledger.close()
        print(
            f"round {index + 1}: deploy → 12 ready {ready[-1]:.2f} s (build check "
            f"{target.build_seconds:.2f} s of it), kill → replacement ready {back[-1]:.2f} s "
            f"(restart delay 1 s), teardown {teardown[-1]:.2f} s"
        )
    print(
        f"median: deploy → ready {statistics.median(ready):.2f} s (target ≤ 10 s), "
        f"teardown {statistics.median(teardown):.2f} s (target ≤ 5 s), "
        f"kill → replacement ready {statistics.median(back):.2f} s"
    )


def overhead(args: argparse.Namespace) -> None:
    scenario, system = load_scenario_and_system(ROOT / "scenarios" / "default.yaml")
    for name in ("local", "docker"):
        with tempfile.TemporaryDirectory() as folder:
            options = RunOptions(
                time_scale=args.time_scale,
                out_dir=Path(folder) / "run",
                platform=name,
                port_offset=2700,
            )
            runner = ScenarioRunner(scenario, system, options)
            started = time.monotonic()
            result = runner.run()
            wall_s = time.monotonic() - started
        extra = wall_s - runner.timeline.total_s
        parts = ", ".join(f"{k} {v:.2f}" for k, v in result.timings_s.items() if k != "scenario")
        print(
            f"{name:>6}: wall {wall_s:.2f} s, scenario {runner.timeline.total_s:.2f} s, "
            f"overhead {extra:.2f} s ({parts}); {result.outcome}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="what", required=True)
    commands.add_parser("base").set_defaults(handler=base)
    commands.add_parser("images").set_defaults(handler=images)
    platform_parser = commands.add_parser("platform")
    platform_parser.add_argument("--rounds", type=int, default=3)
    platform_parser.set_defaults(handler=platform)
    overhead_parser = commands.add_parser("overhead")
    overhead_parser.add_argument("--time-scale", type=float, default=0.3)
    overhead_parser.set_defaults(handler=overhead)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
