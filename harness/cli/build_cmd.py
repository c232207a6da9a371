"""`firebreak build [SYSTEM]`: the Docker images a system needs, tagged by a hash of their inputs
(an unchanged service is found, not rebuilt), and the Toxiproxy image."""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

from rich.markup import escape

from harness.cli import console
from harness.images.builder import ImagePlan, base_image_of, images_for
from harness.images.toxiproxy_image import ensure_toxiproxy_image
from harness.platforms.docker.engine import engine
from harness.platforms.factory import image_plan_from_env
from harness.system import default_system_path, load_system


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("build", help="build a system's images for --platform docker")
    parser.add_argument("system", nargs="?", type=Path, help="system.yaml (default: the sample)")
    base = parser.add_mutually_exclusive_group()
    base.add_argument(
        "--offline-base",
        action="store_true",
        help="build on a base image made here with debootstrap (no registry needed; made once)",
    )
    base.add_argument("--base", metavar="IMAGE", help="build every image on this base")
    parser.add_argument("--no-cache", action="store_true", help="rebuild even unchanged images")
    parser.set_defaults(handler=run)


def say(message: str) -> None:
    console.info(escape(message))  # build output holds brackets (`wheel[s]`), not markup


def run(args: argparse.Namespace) -> int:
    system = load_system(args.system or default_system_path())
    plan = image_plan_from_env()
    if args.offline_base or args.base:
        plan = ImagePlan(base=args.base, offline_base=args.offline_base)
    plan = ImagePlan(plan.base, plan.offline_base, no_cache=args.no_cache)
    started = time.monotonic()
    with contextlib.closing(engine()) as client:
        base = base_image_of(client, plan, say)
        references, built = images_for(client, system, plan, say)
        toxiproxy = ensure_toxiproxy_image(client, base, say)
    for image in built:
        state = f"built in {image.seconds:.1f} s" if image.built else "unchanged, not rebuilt"
        say(f"{', '.join(image.services)}: {image.reference} ({state})")
    for service, reference in references.items():
        spec = system.services[service]
        if spec.build is None:
            runs = "its own entrypoint" if spec.image_only else "the command in system.yaml"
            say(f"{service}: {reference} (not built: run as it is, with {runs})")
    say(f"toxiproxy: {toxiproxy}")
    console.info(
        f"{sum(i.built for i in built)} built, {sum(not i.built for i in built)} unchanged, "
        f"in {time.monotonic() - started:.1f} s (base: {base or 'each Dockerfile default'})."
    )
    return 0
