"""What a scenario run starts beside the system: the load generator and the observers (metrics
scraper, host monitor); started by the runner, stopped together whatever happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from harness.errors import PlatformError
from harness.ledger import Ledger
from harness.load.answers import ACCEPTED_ORDERS_ENV, DEGRADED_RULE_ENV
from harness.load.driver import LoadDriver
from harness.load.stream import LoadSecond
from harness.load.trace_context import TRACEPARENT_ENV
from harness.observe.edge_traffic import EdgeTrafficSampler
from harness.observe.host import HostMonitor
from harness.observe.scraper import MetricsScraper
from harness.observe.series import Observations
from harness.platforms.base import Platform
from harness.scenario import Scenario
from harness.system import SystemSpec


class LoadGenerator(Protocol):
    """What a run needs of its load: a local Locust child (`LoadDriver`) or Locust as pods in
    a cluster (`platforms.kube_load.ClusterLoadDriver`)."""

    @property
    def pid(self) -> int | None: ...

    def release(self) -> None: ...

    def wait_started(self, timeout_s: float = 30.0) -> None: ...

    def stop(self, timeout_s: float = 10.0) -> None: ...


@dataclass
class RunParts:
    load: LoadGenerator | None = None
    scraper: MetricsScraper | None = None
    host_monitor: HostMonitor | None = None
    edge_traffic: EdgeTrafficSampler | None = None

    def stop(self, observations: Observations) -> None:
        """Stop the load, then the observers (each stop is safe to repeat); keep what the
        scraper learned of every service's metrics, and where the edges' traffic was counted."""
        if self.load is not None:
            self.load.stop()
        if self.scraper is not None:
            self.scraper.stop()
            observations.metrics_evidence = self.scraper.evidence_json()
        if self.edge_traffic is not None:
            self.edge_traffic.stop()
            observations.edge_evidence = {
                **observations.edge_evidence,
                **self.edge_traffic.evidence_json(),
            }
        if self.host_monitor is not None:
            self.host_monitor.stop()


def start_load(
    scenario: Scenario,
    system: SystemSpec,
    seed: int,
    platform: Platform,
    run_dir: Path,
    ledger: Ledger,
    on_second: Callable[[LoadSecond], None],
) -> LoadGenerator:
    """The Locust child, started held: its imports overlap the replicas' start."""
    locustfile = system.locustfile_path()
    if locustfile is None:
        raise PlatformError(
            f"System `{system.name}` names no `locustfile`; a scenario needs one to drive load."
        )
    env = {
        **scenario.task_weights_env(),
        ACCEPTED_ORDERS_ENV: str(run_dir / "accepted-orders.txt"),
        # how the entrypoint's answers say they are degraded, and by which fallback
        DEGRADED_RULE_ENV: system.services[system.entrypoint].degraded.model_dump_json(),
    }
    if getattr(platform, "trace_store", None) is not None:
        env[TRACEPARENT_ENV] = "1"  # every front-door request starts a trace
    shape = {
        "users": scenario.load.users,
        "spawn_rate": scenario.load.spawn_rate,
        "workers": scenario.load.workers,
        "seed": seed,
        "env": env,
        "log_path": run_dir / "logs" / "load.log",
        "on_second": on_second,
    }
    in_cluster = getattr(platform, "start_cluster_load", None)
    if in_cluster is not None:
        # a cluster's load runs inside it, as pods (platforms/kubernetes/load.py)
        return in_cluster(locustfile=locustfile, **shape)
    # keep_seconds off: the recorder keeps them; a second copy grows with the run
    load = LoadDriver(locustfile, platform.endpoints()["load"], keep_seconds=False, **shape)
    load.start(hold=True)
    if load.pid is not None:
        ledger.add_process(load.pid, "load (locust)")
    return load


def our_pids(platform: Platform, load: LoadGenerator | None) -> list[int]:
    """The run's own processes (the harness itself aside): every replica, Toxiproxy, the
    balancer, the load generator."""
    pids = [i.pid for i in platform.instances() if i.pid is not None]
    pids += platform.own_pids()
    if load is not None and load.pid:
        pids.append(load.pid)
    return pids
