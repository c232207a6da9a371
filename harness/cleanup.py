"""Removing what a crashed run left behind, from its ledger."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass

from harness.balancer.http_rules import remove_rule
from harness.errors import FaultError
from harness.faults.toxiproxy import ToxiproxyClient
from harness.ledger import (
    LedgerData,
    ledger_owner_alive,
    ledger_path,
    process_is_ours,
    read_ledgers,
)
from harness.platforms.docker.engine import clean_orphaned_runs, remove_docker_run


@dataclass
class CleanupSummary:
    ledgers: int = 0
    faults_reverted: int = 0
    proxies_deleted: int = 0
    processes_killed: int = 0
    docker_resources_removed: int = 0  # containers, networks and volumes of a Docker run
    kube_resources_removed: int = 0  # namespaces of Kubernetes runs, and an orphaned local node

    def add(self, other: CleanupSummary) -> None:
        self.ledgers += other.ledgers
        self.faults_reverted += other.faults_reverted
        self.proxies_deleted += other.proxies_deleted
        self.processes_killed += other.processes_killed
        self.docker_resources_removed += other.docker_resources_removed
        self.kube_resources_removed += other.kube_resources_removed


def _toxiproxy_client(address: str) -> ToxiproxyClient | None:
    if not address:
        return None
    host, _, port = address.rpartition(":")
    client = ToxiproxyClient(host, int(port), timeout_s=1.0)
    return client if client.is_up() else None


def clean_ledger(data: LedgerData) -> CleanupSummary:
    """Revert faults, delete proxies, kill processes a ledger holds; then drop the ledger."""
    summary = CleanupSummary(ledgers=1)
    client = _toxiproxy_client(data.toxiproxy)
    for fault in data.faults:
        if fault.kind == "http":
            # the balancer may outlive the run (an `up`): its rule must not
            with contextlib.suppress(FaultError):
                if remove_rule(fault.balancer, fault.proxy, fault.toxic):
                    summary.faults_reverted += 1
    if client is not None:
        for fault in data.faults:
            if fault.kind == "http":
                continue
            try:
                if fault.kind == "down":
                    client.set_enabled(fault.proxy, True)
                else:
                    client.remove_toxic(fault.proxy, fault.toxic)
                summary.faults_reverted += 1
            except FaultError:
                pass  # the proxy is gone already: so is its toxic
        for proxy in data.proxies:
            try:
                client.delete_proxy(proxy)
                summary.proxies_deleted += 1
            except FaultError:
                pass
    for process in data.processes:
        if process_is_ours(process.pid, process.create_time):
            for signum in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.killpg(process.pid, signum)
                except (ProcessLookupError, PermissionError):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.pid, signum)
            summary.processes_killed += 1
    docker_run = data.info.get("docker_run")
    if docker_run:
        summary.docker_resources_removed += remove_docker_run(docker_run)
    kube_namespace = data.info.get("kube_namespace")
    if kube_namespace:
        from harness.platforms.kubernetes.cleanup import remove_kube_run

        summary.kube_resources_removed += remove_kube_run(
            kube_namespace, data.info.get("kube_context", ""), data.info.get("kubeconfig", "")
        )
    ledger_path(data.run_id).unlink(missing_ok=True)
    return summary


def clean_orphans(include_live: bool = False) -> CleanupSummary:
    """Clean every ledger whose owner is gone (or every ledger, with `include_live`)."""
    total = CleanupSummary()
    for data in read_ledgers():
        if data.owner_pid == os.getpid():
            continue
        if include_live or not ledger_owner_alive(data):
            total.add(clean_ledger(data))
    # containers of a run whose ledger is gone too: their labels name their owner
    total.docker_resources_removed += clean_orphaned_runs().total
    from harness.platforms.kubernetes.cleanup import clean_orphaned_kube_runs

    total.kube_resources_removed += clean_orphaned_kube_runs()
    return total


def clean_own_ledgers() -> CleanupSummary:
    """Clean every ledger this process owns: a forced stop's last act."""
    total = CleanupSummary()
    for data in read_ledgers():
        if data.owner_pid == os.getpid():
            total.add(clean_ledger(data))
    return total
