"""`firebreak up [SYSTEM]`: start a system, wait until it is ready, show it, stay until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from harness.checks.traffic import BypassWatch
from harness.cleanup import clean_orphans
from harness.cli import console
from harness.cli.options import add_cluster_options, apply_cluster_options
from harness.ledger import Ledger
from harness.observe.edge_traffic import EdgeTrafficSampler, TrafficSecond
from harness.platforms.base import Platform
from harness.platforms.factory import make_platform, preflight
from harness.run_files import new_run_dir
from harness.run_model import RunOptions
from harness.stop_signals import handling_stop_signals
from harness.system import SystemSpec, default_system_path, load_system


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("up", help="start a system and keep it up until Ctrl-C")
    parser.add_argument("system", nargs="?", type=Path, help="system.yaml (default: the sample)")
    parser.add_argument("--ready-timeout", type=float, default=30.0, metavar="SECONDS")
    parser.add_argument("--restart-delay", type=float, default=1.0, metavar="SECONDS")
    parser.add_argument("--port-offset", type=int, default=0, help="shift every service port")
    parser.add_argument("--platform", choices=["local", "docker", "kubernetes"], default="local")
    add_cluster_options(parser)
    parser.add_argument(
        "--for",
        dest="for_s",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stay up this long instead of until Ctrl-C",
    )
    parser.set_defaults(handler=run)


def show_platform(platform: Platform) -> None:
    endpoints = platform.endpoints()
    rotation = platform.in_rotation()
    rows = []
    for service, spec in platform.system.services.items():
        instances = platform.instances(service)
        in_rotation = rotation.get(service, {})
        rows.append(
            [
                service,
                f"{sum(i.state == 'running' for i in instances)}/{spec.replicas}",
                endpoints.get(service, "-"),
                ", ".join(
                    f"{i.id}@{i.url.rsplit(':', 1)[1]} {in_rotation.get(i.id, '?')}"
                    for i in instances
                ),
            ]
        )
    console.table(
        f"services on {platform.name}",
        ["service", "ready", "endpoint", "replicas (own port, in rotation)"],
        rows,
    )
    edge_rows = [
        [name, platform.edge_urls.get(name, edge_proxy.url), edge_proxy.proxy.upstream]
        for name, edge_proxy in platform.edge_proxies.items()
    ]
    console.table("edges (Toxiproxy proxies)", ["edge", "proxy", "upstream"], edge_rows)


def watch_for_bypasses(platform: Platform, system: SystemSpec) -> EdgeTrafficSampler | None:
    """While the system is up, warn once for each declared edge that carries nothing while its
    caller is sent requests: its caller likely reaches the callee another way."""
    if not platform.balancer_api:
        return None
    edges = [edge.name for edge in system.edges()]
    variables = {
        edge.name: system.services[edge.caller].dependencies[edge.callee].env
        for edge in system.edges()
        if edge.caller in system.services
    }
    watch = BypassWatch(edges, variables)

    def on_second(second: TrafficSecond) -> None:
        for warning in watch.feed(second.edges):
            console.warn(warning)

    sampler = EdgeTrafficSampler(
        platform.balancer_api, edges, lambda: [i.id for i in platform.instances()], on_second
    )
    sampler.start()
    return sampler


def run(args: argparse.Namespace) -> int:
    apply_cluster_options(args)
    system = load_system(args.system or default_system_path())
    preflight(args.platform, system)  # bad input: exit 2 before a run folder or a ledger exists
    leftovers = clean_orphans()
    if leftovers.ledgers:
        console.warn(
            f"Cleaned up after {leftovers.ledgers} earlier run(s) that did not end cleanly: "
            f"{leftovers.processes_killed} processes, {leftovers.proxies_deleted} proxies."
        )
    run_dir = new_run_dir("up")
    ledger = Ledger(run_dir.name, run_dir, kind="up")
    options = RunOptions(platform=args.platform, port_offset=args.port_offset)
    platform = make_platform(
        args.platform, system, run_dir, ledger, options, console.info, args.restart_delay
    )
    platform.add_listener(
        lambda e: console.info(
            f"[dim]{time.strftime('%H:%M:%S')}[/] {e.kind} {e.instance} {e.detail}"
        )
    )
    watch: EdgeTrafficSampler | None = None
    with handling_stop_signals() as stops:
        try:
            started = time.monotonic()
            console.info(f"Starting `{system.name}` from {system.path} ...")
            platform.deploy()
            platform.wait_ready(args.ready_timeout)
            ready_s = time.monotonic() - started
            ledger.set_info(
                system=str(system.path),
                endpoints=platform.endpoints(),
                toxiproxy=platform.toxiproxy.address if platform.toxiproxy else "",
            )
            show_platform(platform)
            console.info(
                f"All {len(platform.instances())} replicas ready in {ready_s:.2f} s. "
                f"Front door: {platform.endpoints().get('load')}  Logs: {run_dir / 'logs'}"
            )
            store = getattr(platform, "trace_store", None)
            if store is not None:
                # the services' spans, for a trace viewer or `curl <query>/api/services`
                console.info(f"Traces: the run's Jaeger answers at {store.query_url}")
            console.info("Press Ctrl-C (or run `firebreak down`) to tear it down.")
            watch = watch_for_bypasses(platform, system)
            threading.Event().wait(args.for_s)
        except KeyboardInterrupt:
            console.info("Tearing down ...")
        finally:
            with stops.shielded(raise_after=False):
                if watch is not None:
                    watch.stop()
                platform.teardown()
                ledger.close()
    console.info("Down: nothing of this system is left running.")
    return 0
