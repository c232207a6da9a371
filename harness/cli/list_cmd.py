"""`firebreak list [FOLDER]`: the scenarios in a folder and what each proves."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from harness.cli import console
from harness.errors import EXIT_BAD_INPUT, InputError
from harness.scenario import load_scenario

DEFAULT_FOLDER = "scenarios"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("list", help="list the scenarios in a folder and what each proves")
    parser.add_argument(
        "folder", nargs="?", default=DEFAULT_FOLDER, metavar="FOLDER", help="default: scenarios/"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise InputError(
            "The folder does not exist; expected a folder of scenario YAML files.",
            path=str(folder),
        )
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    rows = []
    invalid = 0
    for path in paths:
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            # listed, not fatal: the table shows every scenario, broken ones with their error
            rows.append([escape(path.name), f"[red]invalid:[/] {escape(str(exc))}"])
            invalid += 1
            continue
        # the file names the scenario; its own name is shown only where the two differ
        label = path.name if scenario.name == path.stem else f"{path.name} ({scenario.name})"
        rows.append([escape(label), escape(scenario.description)])
    if not rows:
        console.warn(f"There is no scenario (*.yaml) in {folder}.")
        return 0
    console.table(f"Scenarios in {escape(str(folder))}", ["scenario", "what it proves"], rows)
    # a broken scenario in the folder is bad input, as with `validate`
    return EXIT_BAD_INPUT if invalid else 0
