"""`firebreak schema`: print the JSON Schema of the scenario format, for editors."""

from __future__ import annotations

import argparse
import json

from harness.cli import console
from harness.scenario import scenario_json_schema


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "schema", help="print the JSON Schema of the scenario format (for editors)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = json.dumps(scenario_json_schema(), indent=2, sort_keys=True)
    # raw: the schema's patterns (`[a-z0-9-]`) must not be read as rich markup or wrapped
    console.out.print(text, markup=False, highlight=False, soft_wrap=True)
    return 0
