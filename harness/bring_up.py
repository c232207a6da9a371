"""Bringing a system up for a run and watching it: deploy, start the load held, wait for every
replica, read the promises, start the scraper and the host monitor, release the load.

Shared by the scenario runner and the game day, so a system a person breaks by hand is deployed,
loaded and observed exactly as one a scenario breaks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from harness.edge_protocol import edge_protocol, h2_edges
from harness.faults.base import FaultContext
from harness.ledger import Ledger
from harness.observe.edge_traffic import EdgeTrafficSampler
from harness.observe.host import HostMonitor
from harness.observe.promises import read_promises
from harness.observe.scraper import MetricsScraper
from harness.observe.series import RunRecorder
from harness.platforms.base import Platform
from harness.run_parts import RunParts, our_pids, start_load
from harness.scenario import Scenario
from harness.system import SystemSpec


def bring_up(
    platform: Platform,
    system: SystemSpec,
    scenario: Scenario,
    seed: int,
    run_dir: Path,
    ledger: Ledger,
    recorder: RunRecorder,
    parts: RunParts,
    *,
    ready_timeout_s: float,
    timings_s: dict[str, float],
    on_message: Callable[[str], None],
) -> FaultContext:
    """Everything up to the first second of load; what it starts is in `parts` as soon as it
    runs, so the caller's teardown stops it whatever fails later. Returns the context faults
    act in."""
    on_message(f"Deploying `{system.name}` on `{platform.name}` ...")
    phase_started = time.monotonic()
    platform.deploy()
    timings_s["deploy"] = time.monotonic() - phase_started
    # Locust's imports take a second or more: let them overlap the replicas' start
    parts.load = start_load(
        scenario, system, seed, platform, run_dir, ledger, recorder.on_load_second
    )
    ready_s = platform.wait_ready(ready_timeout_s)
    timings_s["ready"] = ready_s
    on_message(
        f"{len(platform.instances())} replicas ready in {ready_s:.2f} s "
        f"(deploy {platform.deploy_seconds:.2f} s)."
    )
    watch(platform, system, scenario, seed, run_dir, ledger, recorder, parts, timings_s)
    return FaultContext(system, platform, platform.toxiproxy, ledger)


def watch(
    platform: Platform,
    system: SystemSpec,
    scenario: Scenario,
    seed: int,
    run_dir: Path,
    ledger: Ledger,
    recorder: RunRecorder,
    parts: RunParts,
    timings_s: dict[str, float],
) -> None:
    """On a system that is up and ready: the scenario's load (started here unless `parts`
    holds it already), the observers, then the load released. A gate calls it once per
    scenario on one deployment (harness/gate/)."""
    if parts.load is None:
        parts.load = start_load(
            scenario, system, seed, platform, run_dir, ledger, recorder.on_load_second
        )
    load = parts.load
    recorder.observations.promises = read_promises(platform, system)
    parts.scraper = MetricsScraper(platform, system, recorder.on_scrape, recorder.arm_of)
    parts.host_monitor = HostMonitor(lambda: our_pids(platform, load), recorder.on_host_second)
    recorder.observations.edge_evidence = edge_declarations(system, platform)
    if platform.balancer_api:
        parts.edge_traffic = EdgeTrafficSampler(
            platform.balancer_api,
            [edge.name for edge in system.edges()],
            lambda: [instance.id for instance in platform.instances()],
            recorder.on_traffic_second,
            # counted by `grpc-status` where served in HTTP/2 mode (the Lua counts them)
            grpc_edge_names=h2_edges(system) & getattr(platform, "http_edges", frozenset()),
        )
    phase_started = time.monotonic()
    load.release()
    load.wait_started(30)
    parts.scraper.start()
    parts.host_monitor.start()
    if parts.edge_traffic is not None:
        parts.edge_traffic.start()
    timings_s["load_start"] = time.monotonic() - phase_started


def edge_declarations(system: SystemSpec, platform: Platform) -> dict[str, object]:
    """What the checks need to know of each edge beside its traffic: the variable that carries
    it and the retries its caller declares; and why nothing was counted, where nothing can be."""
    http_edges = getattr(platform, "http_edges", frozenset())
    declared: dict[str, dict[str, object]] = {}
    for edge in system.edges():
        spec = system.services.get(edge.caller)
        dependency = spec.dependencies.get(edge.callee) if spec else None
        declared[edge.name] = {
            "env": dependency.env if dependency else None,
            "retry_attempts": dependency.retries.attempts
            if dependency and dependency.retries
            else None,
            "protocol": edge_protocol(system, edge.name),
        }
    evidence: dict[str, object] = {
        "declared": declared,
        "modes": {e.name: "http" if e.name in http_edges else "tcp" for e in system.edges()},
    }
    if not platform.balancer_api:
        evidence["why"] = f"the `{platform.name}` platform put no balancer on the edges"
    return evidence
