"""`firebreak init --from FILE|FOLDER`: a starting system.yaml from a Docker Compose file or a
folder of Kubernetes manifests, with what it guessed listed for the user to confirm."""

from __future__ import annotations

import argparse
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from rich.markup import escape

from harness.cli import console
from harness.errors import FirebreakError, InputError
from harness.init.compose import draft_from_compose
from harness.init.draft import SystemDraft, choose_entrypoint, relative_to, render
from harness.init.manifest_files import looks_like_manifests
from harness.init.manifests import draft_from_manifests
from harness.system import load_system

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "init",
        help="draft a system.yaml from a Compose file, Kubernetes manifests or traces",
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        action="append",
        default=[],
        metavar="FILE|FOLDER",
        help="a Compose file, or a folder of Kubernetes manifests (or one holding a Compose file); "
        "repeat it to merge Compose files as `docker compose -f A -f B` does",
    )
    parser.add_argument(
        "--from-traces",
        dest="traced_system",
        type=Path,
        default=None,
        metavar="SYSTEM",
        help="run this system.yaml's services locally under its load with a Jaeger, and draft "
        "the edges their traces show (default out: system.from-traces.yaml beside it)",
    )
    parser.add_argument(
        "--duration", default="15s", help="how long --from-traces follows the load (15s)"
    )
    parser.add_argument("--out", type=Path, default=None, help="default: system.yaml beside it")
    parser.add_argument("--entrypoint", default=None, help="the service behind the front door")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(handler=run)


def compose_file_in(source: Path) -> Path | None:
    if source.is_file():
        return source
    return next((source / n for n in COMPOSE_NAMES if (source / n).is_file()), None)


def draft(
    source: Path | Sequence[Path], out: Path | None, entrypoint: str | None
) -> tuple[SystemDraft, Path]:
    sources = [source] if isinstance(source, Path) else list(source)
    source = sources[0]
    for given in sources:
        if not given.exists():
            raise InputError("Nothing there; expected a Compose file or a folder.", path=str(given))
    for extra in sources[1:]:
        if not extra.is_file():
            raise InputError(
                "Only Compose files are merged; expected a Compose file after the first `--from`.",
                path=str(extra),
            )
    compose = compose_file_in(source)
    # a file named as Compose names its files is read as Compose, whatever is in it
    manifests = source.name not in COMPOSE_NAMES and looks_like_manifests(source)
    if compose is not None and not (source.is_file() and manifests):
        out = out or compose.parent / "system.yaml"
        # given a folder, docker compose also reads the override file beside the Compose file
        override = compose.with_name(compose.name.replace(".y", ".override.y"))
        if source.is_dir() and len(sources) == 1 and override.is_file():
            sources.append(override)
        drafted = draft_from_compose([compose, *sources[1:]], out)
    elif len(sources) > 1:
        raise InputError(
            "Only Compose files are merged; expected a Compose file.", path=str(source)
        )
    else:
        out = out or source.resolve().parent / "system.yaml"
        drafted = draft_from_manifests(source, out)
    if not drafted.services:
        raise InputError(
            "No service here can be drafted (each needs a command, from Compose, its "
            "Dockerfile or its manifest, or an image to run as it is).",
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
    # the team's own load generator's locustfile, when the manifests had one, comes first
    for folder in (out.parent, near, near.parent) if drafted.locustfile is None else ():
        if (folder / "locustfile.py").is_file():
            drafted.locustfile = relative_to(folder / "locustfile.py", out.parent)
            break
    if drafted.locustfile is None:
        drafted.notes.append("no locustfile.py found: a scenario needs one (`locustfile:`)")
    return drafted, out


def _drafted_text(args: argparse.Namespace) -> tuple[SystemDraft, Path, str]:
    """The draft and its text, checked as `firebreak validate` would before anything is written
    (a rerun must not find a half-made file). A failure nobody foresaw in reading the input is
    reported against that input, with where it happened, instead of a traceback."""
    sources = ", ".join(str(s) for s in args.source)
    try:
        drafted, out = draft(args.source, args.out, args.entrypoint)
        text = render(drafted)
    except FirebreakError:
        raise
    except Exception as exc:  # named below, with where it failed
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        raise InputError(
            f"Firebreak could not draft a system from this input: {type(exc).__name__}: {exc} "
            f"(in {Path(frame.filename).name}:{frame.lineno}); nothing was written. This is a "
            "gap in `init`: please report it with the file.",
            path=sources,
        ) from exc
    with tempfile.TemporaryDirectory() as folder:
        trial = Path(folder) / out.name
        trial.write_text(text, encoding="utf-8")
        try:
            load_system(trial)
        except InputError as exc:
            raise InputError(
                f"The system drafted from it would not be valid ({exc.detail}); nothing was "
                "written: correct the input, or write the system file by hand.",
                path=sources,
                field=exc.field,
            ) from None
    return drafted, out, text


def run(args: argparse.Namespace) -> int:
    if (args.traced_system is None) == (not args.source):
        raise InputError(
            "Expected `--from FILE|FOLDER` (a Compose file or Kubernetes manifests) or "
            "`--from-traces SYSTEM` (a system.yaml whose services send traces), one of them.",
            field="--from",
        )
    if args.traced_system is not None:
        from harness.cli.init_traces import run_from_traces

        return run_from_traces(args)
    drafted, out, text = _drafted_text(args)
    if out.exists() and not args.force:
        raise InputError(
            "This file exists already; expected a new path (`--out`), or `--force` to replace it.",
            path=str(out),
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    system = load_system(out)  # what `firebreak validate` would say, said now
    by_name = system.host_named_edges()
    named = f" ({len(by_name)} dialed by host name: docker or kubernetes only)" if by_name else ""
    console.info(
        escape(
            f"Wrote {out}: {len(system.services)} services, front door `{system.entrypoint}`, "
            f"{len(system.edges()) - 1} dependency edges{named}."
        )
    )
    notes = drafted.all_notes()
    if notes:
        console.table("confirm what was guessed", ["what"], [[note] for note in notes])
    # services that run only as their image cannot run as local processes, and a name dialed
    # in code reaches an edge's proxy only where a container platform resolves it
    where = " --platform docker" if system.image_only_services() or by_name else ""
    also = " (or kubernetes)" if where else ""
    console.info(
        f"Next: `firebreak up {escape(str(out))}{where}`{also}, then write a scenario for it."
    )
    return 0
