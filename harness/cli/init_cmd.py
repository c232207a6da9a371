"""`firebreak init --from FILE|FOLDER`: a starting system.yaml from a Docker Compose file or a
folder of Kubernetes manifests, with what it guessed listed for the user to confirm."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from harness.cli import console
from harness.errors import InputError
from harness.init.compose import draft_from_compose
from harness.init.draft import SystemDraft, choose_entrypoint, relative_to, render
from harness.init.manifests import draft_from_manifests
from harness.system import load_system

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "init", help="draft a system.yaml from a Compose file or Kubernetes manifests"
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        required=True,
        metavar="FILE|FOLDER",
        help="a Compose file, or a folder of Kubernetes manifests (or one holding a Compose file)",
    )
    parser.add_argument("--out", type=Path, default=None, help="default: system.yaml beside it")
    parser.add_argument("--entrypoint", default=None, help="the service behind the front door")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(handler=run)


def compose_file_in(source: Path) -> Path | None:
    if source.is_file():
        return source
    return next((source / n for n in COMPOSE_NAMES if (source / n).is_file()), None)


def draft(source: Path, out: Path | None, entrypoint: str | None) -> tuple[SystemDraft, Path]:
    if not source.exists():
        raise InputError("Nothing there; expected a Compose file or a folder.", path=str(source))
    compose = compose_file_in(source)
    if compose is not None:
        out = out or compose.parent / "system.yaml"
        drafted = draft_from_compose(compose, out)
    else:
        out = out or source.resolve().parent / "system.yaml"
        drafted = draft_from_manifests(source, out)
    if not drafted.services:
        raise InputError(
            "No service here can run locally (each needs a command, from Compose, its "
            "Dockerfile or its manifest).",
            path=str(source),
        )
    choose_entrypoint(drafted, entrypoint)
    if drafted.entrypoint not in drafted.services:
        valid = ", ".join(f"`{name}`" for name in drafted.services)
        raise InputError(
            f"`{drafted.entrypoint}` is not a service here; expected one of {valid}.",
            field="--entrypoint",
        )
    near = source.resolve() if source.is_dir() else source.resolve().parent
    for folder in (out.parent, near, near.parent):
        if (folder / "locustfile.py").is_file():
            drafted.locustfile = relative_to(folder / "locustfile.py", out.parent)
            break
    else:
        drafted.notes.append("no locustfile.py found: a scenario needs one (`locustfile:`)")
    return drafted, out


def run(args: argparse.Namespace) -> int:
    drafted, out = draft(args.source, args.out, args.entrypoint)
    if out.exists() and not args.force:
        raise InputError(
            "This file exists already; expected a new path (`--out`), or `--force` to replace it.",
            path=str(out),
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(drafted), encoding="utf-8")
    system = load_system(out)  # what `firebreak validate` would say, said now
    console.info(
        escape(
            f"Wrote {out}: {len(system.services)} services, front door `{system.entrypoint}`, "
            f"{len(system.edges()) - 1} dependency edges."
        )
    )
    notes = drafted.all_notes()
    if notes:
        console.table("confirm what was guessed", ["what"], [[note] for note in notes])
    console.info("Next: `firebreak up " + escape(str(out)) + "`, then write a scenario for it.")
    return 0
