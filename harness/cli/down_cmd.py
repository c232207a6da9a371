"""`firebreak down`: ask every `firebreak up` to tear down; clean up after any that cannot."""

from __future__ import annotations

import argparse
import os
import signal
import time

from harness.cleanup import clean_ledger
from harness.cli import console
from harness.ledger import ledger_owner_alive, ledger_path, read_ledgers


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("down", help="tear down what `firebreak up` started")
    parser.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    ups = [data for data in read_ledgers() if data.kind == "up"]
    if not ups:
        console.info("Nothing is up.")
        return 0
    for data in ups:
        if ledger_owner_alive(data):
            os.kill(data.owner_pid, signal.SIGTERM)
            deadline = time.monotonic() + args.timeout
            while ledger_path(data.run_id).exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        if ledger_path(data.run_id).exists():
            summary = clean_ledger(data)
            console.info(
                f"{data.run_id}: cleaned up {summary.processes_killed} processes and "
                f"{summary.proxies_deleted} proxies."
            )
        else:
            console.info(f"{data.run_id}: down.")
    return 0
