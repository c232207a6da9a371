"""`firebreak gate SCENARIO...`: several scenarios, those that can share one deployment of
their system on one (harness/gate/), one folder, one JUnit file, one exit code."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.cli import console
from harness.cli.options import add_cluster_options, add_run_shape_options, apply_cluster_options
from harness.errors import InputError
from harness.gate.plan import read_entries
from harness.gate.report import write_gate_junit, write_gate_summary
from harness.gate.runner import GATE_FILE, GateRunner, GateScenario
from harness.run_files import new_run_dir
from harness.run_model import RunOptions
from harness.stop_signals import EXIT_INTERRUPTED


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "gate", help="run several scenarios, sharing deployments, with one verdict (CI)"
    )
    parser.add_argument("scenarios", type=Path, nargs="*", metavar="SCENARIO")
    parser.add_argument("--platform", choices=["local", "docker", "kubernetes"], default=None)
    add_run_shape_options(parser)
    add_cluster_options(parser)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="the gate's folder")
    parser.add_argument(
        "--resume",
        type=Path,
        default=None,
        metavar="DIR",
        help="continue an interrupted gate: run the scenarios it has no verdict for",
    )
    parser.set_defaults(handler=gate)


def gate(args: argparse.Namespace) -> int:
    apply_cluster_options(args)
    done: dict[str, GateScenario] = {}
    paths = list(args.scenarios)
    if args.resume is not None:
        paths, done = _resumed(args.resume, paths)
    if not paths:
        raise InputError("No scenario given; expected one or more scenario files.")
    entries = read_entries(paths, args.seed)  # bad input: exit 2, nothing started
    folder = args.resume or args.out or new_run_dir("gate")
    options = RunOptions(time_scale=args.time_scale, seed=args.seed, platform=args.platform)
    runner = GateRunner(entries, folder, options, done=done, on_message=console.plain)
    plural = "s" if len(runner.groups) != 1 else ""
    console.plain(
        f"{len(entries)} scenario(s) on {len(runner.groups)} deployment{plural}; folder {folder}"
    )
    outcome = runner.run()
    console.table(
        "gate",
        ["scenario", "deployment", "outcome", "time"],
        [[s.name, str(s.deployment), s.outcome, f"{s.wall_s:.0f} s"] for s in outcome.scenarios],
    )
    console.plain(f"junit:   {write_gate_junit(outcome)}")
    console.plain(f"summary: {write_gate_summary(outcome)}")
    if outcome.interrupted:
        console.plain(f"Interrupted; resume with: firebreak gate --resume {folder}")
        return EXIT_INTERRUPTED
    return outcome.exit_code


def _resumed(folder: Path, given: list[Path]) -> tuple[list[Path], dict[str, GateScenario]]:
    """The scenarios of an interrupted gate (the ones given, else the ones it recorded) and
    those it already judged (anything but aborted), kept as they were."""
    path = folder / GATE_FILE
    try:
        document = json.loads(path.read_text())
        recorded = [GateScenario(**item) for item in document["scenarios"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"This is not a gate's folder to resume: {GATE_FILE} cannot be read ({exc}).",
            path=str(path),
        ) from None
    done = {s.name: s for s in recorded if s.outcome != "aborted"}
    paths = given or list(dict.fromkeys(Path(s.path) for s in recorded))
    return paths, done
