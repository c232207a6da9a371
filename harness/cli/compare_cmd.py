"""`firebreak compare BASELINE.json CURRENT.json [--max-regression 10%]`: what got worse.

Exit 0 when nothing regressed beyond the bound, 1 when something did, 2 for a journal that
cannot be read (or a bound that is not a number).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli import console
from harness.errors import EXIT_FAILED, EXIT_PASSED
from harness.reports.compare import compare_journals, format_change, format_value, parse_fraction
from harness.reports.journal import read_journal


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare", help="show what got worse between two runs; exit 1 on a regression"
    )
    parser.add_argument("baseline", type=Path, metavar="BASELINE.json", help="the reference run")
    parser.add_argument("current", type=Path, metavar="CURRENT.json", help="the run to judge")
    parser.add_argument(
        "--max-regression",
        default="10%",
        metavar="SHARE",
        help="how much worse a metric may get, e.g. 10%% or 0.1 (default: 10%%)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    bound = parse_fraction(args.max_regression)
    comparison = compare_journals(read_journal(args.baseline), read_journal(args.current), bound)
    console.table(
        f"{args.baseline} ({comparison.baseline_run}) → {args.current} ({comparison.current_run})",
        ["metric", "baseline", "current", "change", "verdict"],
        [
            [
                change.metric,
                format_value(change.baseline, change.unit),
                format_value(change.current, change.unit),
                format_change(change),
                "[bold red]WORSE[/]" if change.regressed else "ok",
            ]
            for change in comparison.changes
        ],
    )
    regressions = comparison.regressions
    if regressions:
        names = ", ".join(f"`{c.metric}`" for c in regressions)
        console.info(f"{len(regressions)} metric(s) regressed by more than {bound:.0%}: {names}.")
        return EXIT_FAILED
    console.info(f"Nothing regressed by more than {bound:.0%}.")
    return EXIT_PASSED
