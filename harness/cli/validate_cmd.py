"""`firebreak validate FILE...`: check scenario files (with their systems) and system files
without starting anything."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from rich.markup import escape

from harness.cli import console
from harness.errors import EXIT_BAD_INPUT, InputError
from harness.scenario import load_scenario_and_system
from harness.system import SystemSpec, load_system


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="check scenario files (and their systems) or system files without starting anything",
    )
    parser.add_argument(
        "scenarios", nargs="+", metavar="FILE", help="scenario YAML files or system.yaml files"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # every file is checked, so one run reports every broken scenario, not only the first
    exit_code = 0
    for path in args.scenarios:
        try:
            if is_system_file(Path(path)):
                system = load_system(path)
                name = f"system {system.name}"
                platform = None
            else:
                scenario, system = load_scenario_and_system(path)
                name, platform = scenario.name, scenario.platform
        except InputError as exc:
            # messages quote patterns like `[a-z]`, which rich would read as markup
            console.error(str(exc))
            exit_code = EXIT_BAD_INPUT
            continue
        console.info(escape(f"ok: {path}: {name}"))
        if platform in (None, "local"):
            warn_image_only(path, system)
    return exit_code


def warn_image_only(path: str, system: SystemSpec) -> None:
    """Valid, yet not runnable on the local platform: said now rather than at the run."""
    image_only = system.image_only_services()
    if image_only:
        named = ", ".join(f"`{name}`" for name in image_only)
        console.warn(
            f"{path}: {named} run only as their image (no `command`): the local platform cannot "
            "run this system; use `--platform docker` or `--platform kubernetes`."
        )


def is_system_file(path: Path) -> bool:
    """A system file has `services:` and no `phases:`; anything else is read as a scenario
    (whose own errors then say what is wrong)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(document, dict) and "services" in document and "phases" not in document
