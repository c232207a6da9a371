"""The Docker engine, reached through the `docker` SDK: one connection with clear errors, the
labels every Firebreak resource carries, and removal of a run's resources found by label.

Everything a run creates (containers, its network, its volumes) carries `io.firebreak.run` and
`io.firebreak.owner` (the harness's pid and start time), so teardown, `firebreak cleanup` and the
next run find it without any file: a run whose owner is gone is an orphan.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psutil

from harness.errors import PlatformError, ToolMissingError

if TYPE_CHECKING:
    import docker

LABEL_RUN = "io.firebreak.run"
LABEL_OWNER = "io.firebreak.owner"  # "<pid>:<create time>" of the harness that made it
LABEL_SERVICE = "io.firebreak.service"
LABEL_REPLICA = "io.firebreak.replica"
API_VERSION_FLOOR = "1.41"  # Debian's engine 20.10; aliases on create need 1.22 or later
LABEL_ROLE = "io.firebreak.role"  # "replica" or "toxiproxy"
API_TIMEOUT_S = 30


def engine(timeout_s: float = API_TIMEOUT_S) -> docker.DockerClient:
    """A client of the local engine, or one sentence on why there is none (exit 3)."""
    try:
        import docker
    except ImportError:
        raise ToolMissingError(
            "The `docker` Python package is missing; reinstall Firebreak (`pip install -e .`)."
        ) from None
    try:
        client = docker.from_env(timeout=int(timeout_s))
        client.ping()
    except docker.errors.DockerException as exc:
        raise PlatformError(_why_no_engine(str(exc))) from None
    return client


def _why_no_engine(detail: str) -> str:
    if "Permission denied" in detail or "PermissionError" in detail:
        return (
            "The Docker engine's socket is not open to this user (permission denied); add the "
            "user to the `docker` group or run as root."
        )
    if "FileNotFoundError" in detail or "No such file" in detail or "Connection refused" in detail:
        return (
            "The Docker engine is not running (no answer on its socket); start it "
            "(`./scripts/setup-docker.sh` does, without systemd) or use `--platform local`."
        )
    return f"The Docker engine did not answer: {detail.strip()[:300]}."


def owner_label(separator: str = ":") -> str:
    """This process as a label value: its pid and start time, so a reused pid is not mistaken
    for it (Kubernetes label values take no `:`, so the Kubernetes platform uses `-`)."""
    me = psutil.Process()
    return f"{me.pid}{separator}{me.create_time():.3f}"


def owner_alive(label: str, separator: str = ":") -> bool:
    """True when the harness process named by an owner label still runs."""
    pid_text, _, created_text = label.partition(separator)
    try:
        process = psutil.Process(int(pid_text))
        return abs(process.create_time() - float(created_text)) < 0.5
    except (ValueError, psutil.Error):
        return False


@dataclass
class RemovedResources:
    containers: int = 0
    networks: int = 0
    volumes: int = 0

    @property
    def total(self) -> int:
        return self.containers + self.networks + self.volumes


def remove_by_label(client: docker.DockerClient, selector: str) -> RemovedResources:
    """Remove every container, then network, then volume whose labels match `selector`
    (`key=value` or `key`); containers first, since a network or volume in use cannot go."""
    import docker

    removed = RemovedResources()
    label_filter: dict[str, Any] = {"label": selector}
    for container in client.containers.list(all=True, filters=label_filter):
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)
            removed.containers += 1
    for network in client.networks.list(filters=label_filter):
        with contextlib.suppress(docker.errors.NotFound):
            network.remove()
            removed.networks += 1
    for volume in client.volumes.list(filters=label_filter):
        with contextlib.suppress(docker.errors.NotFound):
            volume.remove(force=True)
            removed.volumes += 1
    return removed


def count_by_label(client: docker.DockerClient, selector: str = LABEL_RUN) -> RemovedResources:
    """How many containers, networks and volumes carry the label (tests count leftovers)."""
    label_filter: dict[str, Any] = {"label": selector}
    return RemovedResources(
        containers=len(client.containers.list(all=True, filters=label_filter)),
        networks=len(client.networks.list(filters=label_filter)),
        volumes=len(client.volumes.list(filters=label_filter)),
    )


def orphaned_runs(client: docker.DockerClient) -> set[str]:
    """Run ids whose resources remain while their owner is gone."""
    runs: set[str] = set()
    label_filter: dict[str, Any] = {"label": LABEL_RUN}
    labelled = [
        *client.containers.list(all=True, filters=label_filter),
        *client.networks.list(filters=label_filter),
        *client.volumes.list(filters=label_filter),
    ]
    for resource in labelled:
        labels = resource.attrs.get("Labels") or resource.attrs.get("Config", {}).get("Labels")
        labels = labels or {}
        run = labels.get(LABEL_RUN)
        if run and not owner_alive(labels.get(LABEL_OWNER, "")):
            runs.add(run)
    return runs


def remove_docker_run(run: str) -> int:
    """Remove one run's resources by its label; how many went (0 when no engine runs)."""
    try:
        client = engine(timeout_s=10)
    except (PlatformError, ToolMissingError):
        return 0
    with contextlib.closing(client):
        return remove_by_label(client, f"{LABEL_RUN}={run}").total


def clean_orphaned_runs() -> RemovedResources:
    """Remove the resources of every run whose harness is gone; nothing when no engine runs."""
    total = RemovedResources()
    try:
        client = engine(timeout_s=10)
    except (PlatformError, ToolMissingError):
        return total
    with contextlib.closing(client):
        for run in orphaned_runs(client):
            removed = remove_by_label(client, f"{LABEL_RUN}={run}")
            total.containers += removed.containers
            total.networks += removed.networks
            total.volumes += removed.volumes
    return total
