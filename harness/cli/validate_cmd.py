"""`firebreak validate SCENARIO...`: check scenario files without starting anything."""

from __future__ import annotations

import argparse

from rich.markup import escape

from harness.cli import console
from harness.errors import EXIT_BAD_INPUT, InputError
from harness.scenario import load_scenario


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate", help="check scenario files (and their systems) without starting anything"
    )
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # every file is checked, so one run reports every broken scenario, not only the first
    exit_code = 0
    for path in args.scenarios:
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            # messages quote patterns like `[a-z]`, which rich would read as markup
            console.error(str(exc))
            exit_code = EXIT_BAD_INPUT
            continue
        console.info(escape(f"ok: {path}: {scenario.name}"))
    return exit_code
