"""`firebreak history RUNS_DIR... [--out DIR] [--system NAME] [--threshold-p99-pct 20]
[--threshold-availability 0.01] [--fail-on-regression]`: the resilience record across commits.

Reads every journal.json (and sweep map.json) under the folders, orders them by the commit each
journal records, and writes `history.html` (self-contained) and `history.png`. Exit 0; with
`--fail-on-regression`, 1 when the newest revision has a regression; 2 for bad input, with
nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli import console
from harness.errors import EXIT_FAILED, EXIT_PASSED, InputError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "history",
        help="chart many runs' results over the commits they ran at; mark regressions",
    )
    parser.add_argument(
        "runs", type=Path, nargs="+", metavar="RUNS_DIR", help="run, gate or sweep folders"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("history"), metavar="DIR", help="default: ./history"
    )
    parser.add_argument("--system", default=None, metavar="NAME", help="when several are there")
    parser.add_argument(
        "--threshold-p99-pct",
        type=float,
        default=20.0,
        metavar="PCT",
        help="p99 in the fault window worse by more than this many percent regresses (20)",
    )
    parser.add_argument(
        "--threshold-availability",
        type=float,
        default=0.01,
        metavar="SHARE",
        help="availability in the fault window lower by more than this share regresses (0.01)",
    )
    parser.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when the newest revision has a regression",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from harness.history.model import build_history
    from harness.history.plot import history_png
    from harness.history.reading import one_system, read_records
    from harness.history.regressions import Thresholds, newest_regressions, regressions, turns
    from harness.history.render import render_history_html

    for flag, value in (
        ("--threshold-p99-pct", args.threshold_p99_pct),
        ("--threshold-availability", args.threshold_availability),
    ):
        if value < 0:
            raise InputError(f"`{flag} {value:g}` is negative; expected 0 or more.", field=flag)
    records = one_system(read_records(args.runs), args.system, args.runs)
    system = (records.runs or records.sweeps)[0].system  # type: ignore[union-attr]
    history = build_history(system, records)
    thresholds = Thresholds(args.threshold_p99_pct, args.threshold_availability)
    found = regressions(history, thresholds)
    newest = newest_regressions(history, found)
    png = history_png(history, found)
    turned = turns(history)
    page = render_history_html(history, found, newest, turned, thresholds, png)
    args.out.mkdir(parents=True, exist_ok=True)  # only now: bad input writes nothing
    (args.out / "history.png").write_bytes(png)
    html = args.out / "history.html"
    html.write_text(page, encoding="utf-8")
    console.info(f"html: {html}")
    console.info(f"png: {args.out / 'history.png'}")
    for turn in turned:
        verb = "turned red" if turn.red else "back to green"
        console.plain(f"{turn.scenario}: {turn.check} {verb} at {history.label(turn.revision)}")
    for regression in newest:
        console.error(
            f"regression at {history.newest.label}: {regression.scenario}: {regression.what}: "
            f"{regression.was} → {regression.now}"
        )
    if not newest:
        console.plain(f"No regression at the newest revision {history.newest.label}.")
    return EXIT_FAILED if newest and args.fail_on_regression else EXIT_PASSED
