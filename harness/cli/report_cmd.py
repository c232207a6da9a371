"""`firebreak report JOURNAL [--out DIR]`: render every report of a run again from its journal."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli import console
from harness.reports.render import render_run


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report", help="render the HTML, JUnit and markdown reports of a run from its journal"
    )
    parser.add_argument("journal", type=Path, metavar="JOURNAL", help="a run's journal.json")
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="where to write (default: beside it)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    written = render_run(args.journal, args.out)
    # one path a line, unwrapped, so that scripts and people can both pick them up
    for name, path in written.items():
        console.info(f"{name}: {path}")
    return 0
