"""Entry point of the `firebreak` command.

Expected errors (`FirebreakError`) end in one styled sentence and their exit code: 2 for bad input,
3 for a harness or platform error. Anything else is a bug and shows its traceback (exit 3).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from harness.cli import (
    build_cmd,
    cleanup_cmd,
    cluster_cmd,
    compare_cmd,
    console,
    down_cmd,
    gameday_cmd,
    gate_cmd,
    history_cmd,
    init_cmd,
    list_cmd,
    manifests_cmd,
    plan_cmd,
    report_cmd,
    run_cmd,
    schema_cmd,
    status_cmd,
    sweep_cmd,
    up_cmd,
    validate_cmd,
)
from harness.errors import EXIT_HARNESS_ERROR, FirebreakError

COMMANDS = [
    run_cmd,
    gate_cmd,
    gameday_cmd,
    sweep_cmd,
    validate_cmd,
    plan_cmd,
    list_cmd,
    schema_cmd,
    up_cmd,
    status_cmd,
    down_cmd,
    cleanup_cmd,
    report_cmd,
    compare_cmd,
    history_cmd,
    init_cmd,
    build_cmd,
    cluster_cmd,
    manifests_cmd,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firebreak",
        description="Fault injection and chaos testing for microservices.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except FirebreakError as exc:
        console.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        console.error("Interrupted.")
        return 130
    except Exception:
        traceback.print_exc()
        console.error("This is a bug in Firebreak: the traceback above says where.")
        return EXIT_HARNESS_ERROR


if __name__ == "__main__":
    sys.exit(main())
