"""`firebreak manifests [SYSTEM]`: the Kubernetes objects a run of the system creates, as YAML,
for review before anything is applied. Images are named by repository: a run tags them by the
hash of their inputs (`firebreak build`) and the run's namespace gets a unique suffix."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from harness.cli import console
from harness.images.builder import repository_of
from harness.images.toxiproxy_image import REPOSITORY as TOXIPROXY_REPOSITORY
from harness.platforms.kubernetes.dial import dial_notes
from harness.platforms.kubernetes.manifests import ManifestPlan, system_objects
from harness.platforms.kubernetes.platform import DATA_ROOT, namespace_for
from harness.system import default_system_path, load_system


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "manifests", help="print the Kubernetes objects a run of a system creates (for review)"
    )
    parser.add_argument("system", nargs="?", type=Path, help="system.yaml (default: the sample)")
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    parser.set_defaults(handler=run)


def render(system_path: Path) -> str:
    system = load_system(system_path)
    plan = ManifestPlan(
        namespace=namespace_for(f"{system.name}-review"),
        run_label=f"{system.name}-review",
        owner="review",
        images={service: repository_of(system, service) for service in system.services},
        toxiproxy_image=TOXIPROXY_REPOSITORY,
        data_root=str(DATA_ROOT),
    )
    header = (
        f"# Kubernetes objects of a Firebreak run of `{system.name}` ({system.path}).\n"
        "# A real run names its namespace fb-<run>-<random> and tags each image by its hash.\n"
        + "".join(f"# {note}.\n" for note in dial_notes(system))
    )
    return header + yaml.dump_all(
        system_objects(system, plan), Dumper=_PlainDumper, sort_keys=False
    )


class _PlainDumper(yaml.SafeDumper):
    """Writes shared label maps out in full: anchors and aliases are hard to review."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def run(args: argparse.Namespace) -> int:
    text = render(args.system or default_system_path())
    if args.output:
        args.output.write_text(text)
        console.plain(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0
