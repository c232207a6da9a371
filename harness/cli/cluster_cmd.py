"""`firebreak cluster up|down|status`: the real single-node Kubernetes cluster Firebreak builds
and runs on this machine (context `firebreak-local`); see harness/cluster/node.py."""

from __future__ import annotations

import argparse

from rich.markup import escape

from harness.cli import console
from harness.cluster.layout import DAEMONS, K8S_VERSION, default_layout
from harness.cluster.node import LocalCluster
from harness.stop_signals import EXIT_INTERRUPTED, Interrupted, handling_stop_signals


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "cluster", help="start, stop or inspect the local Kubernetes cluster (firebreak-local)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="build what is missing, start the node, wait until Ready")
    up.add_argument(
        "--timeout", type=float, default=120.0, metavar="SECONDS", help="for the node to be Ready"
    )
    actions.add_parser("down", help="stop every daemon and remove what the node left")
    actions.add_parser("status", help="say which of the node's daemons run")
    parser.set_defaults(handler=run)


def say(message: str) -> None:
    console.info(escape(message))


def run(args: argparse.Namespace) -> int:
    cluster = LocalCluster(default_layout(), on_message=say)
    if args.action == "status":
        return show_status(cluster)
    if args.action == "down":
        removed = cluster.down()
        console.info(f"The cluster is down; removed {len(removed)} thing(s) it left.")
        for item in removed:
            console.plain(f"  {item}")
        return 0
    with handling_stop_signals() as stops:
        try:
            seconds = cluster.up(timeout_s=args.timeout)
        except Interrupted:
            with stops.shielded(raise_after=False):
                say("interrupted: stopping what was started")
                cluster.down()
            return EXIT_INTERRUPTED
    status = cluster.status()
    console.info(
        f"[green]The cluster is up[/] ({K8S_VERSION}, node Ready"
        + (f" in {seconds:.1f} s" if seconds else "")
        + ")."
    )
    console.plain(f"kubeconfig: {status.kubeconfig}")
    console.plain(f"context:    {status.context}")
    console.plain(f"try:        kubectl --kubeconfig {status.kubeconfig} get nodes")
    return 0


def show_status(cluster: LocalCluster) -> int:
    status = cluster.status()
    rows = [
        [daemon, f"running (pid {status.running[daemon]})" if status.running[daemon] else "stopped"]
        for daemon in DAEMONS
    ]
    console.table("firebreak-local", ["daemon", "state"], rows)
    if status.up:
        console.info("[green]up[/]: the node is Ready.")
        console.plain(f"kubeconfig: {status.kubeconfig} (context {status.context})")
        return 0
    if status.anything_running:
        console.info("[yellow]partly up[/]: `firebreak cluster down` stops what runs.")
        return 1
    console.info("down: nothing of the cluster runs.")
    return 1
