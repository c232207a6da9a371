"""`firebreak cleanup`: remove what crashed runs left behind (faults, proxies, processes)."""

from __future__ import annotations

import argparse

from harness.cleanup import clean_orphans
from harness.cli import console


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("cleanup", help="remove what crashed runs left behind")
    parser.add_argument(
        "--all", action="store_true", help="also stop runs whose harness is still alive"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    summary = clean_orphans(include_live=args.all)
    console.info(
        f"Cleaned {summary.ledgers} ledger(s): {summary.faults_reverted} faults reverted, "
        f"{summary.proxies_deleted} proxies deleted, {summary.processes_killed} processes killed, "
        f"{summary.docker_resources_removed} Docker containers, networks and volumes removed, "
        f"{summary.kube_resources_removed} Kubernetes namespaces (or an orphaned node) removed."
    )
    return 0
