"""A system.yaml being drafted from another description, and its text.

Every value the drafter had to guess is kept as a note beside it: the file says, in comments,
what to confirm, and `firebreak init` prints the same list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness.init.addresses import (  # noqa: F401 (infer_dependencies re-exported)
    dependency_entry,
    infer_dependencies,
)
from harness.init.entrypoint import FRONT_DOOR_WORDS, rank_entrypoint  # noqa: F401 (re-exported)
from harness.init.host_names import HostNamed

DEFAULT_READY_PATH = "/health/ready"
PYTHONS = {"python", "python3"}


@dataclass
class ServiceDraft:
    name: str
    command: list[str] | None = None
    workdir: str | None = None
    port: int | None = None  # the service's stable address (a published port where there is one)
    port_env: str = "PORT"
    replicas: int = 1
    ready_path: str | None = None
    live_path: str | None = None
    image: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    dependencies: dict[str, str] = field(default_factory=dict)  # service → its URL variable
    # service → each variable naming it → its form (harness/init/addresses.py)
    addresses: dict[str, dict[str, str]] = field(default_factory=dict)
    # service → the name it is dialed by, where no variable holds it (harness/init/host_names.py)
    host_names: dict[str, HostNamed] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # how it is reachable from outside ("Service `web-lb` (LoadBalancer)"); None: not shown to be
    published: str | None = None
    args_only: bool = False  # its container passes only arguments to its image's entrypoint
    speaks_grpc: bool = False  # its health is checked with gRPC's health protocol

    @property
    def callees(self) -> list[str]:
        """Every service it calls: through a variable, then by host name."""
        return [*self.dependencies, *self.host_names]


@dataclass
class SystemDraft:
    name: str
    source: Path
    services: dict[str, ServiceDraft] = field(default_factory=dict)
    entrypoint: str | None = None
    locustfile: str | None = None
    notes: list[str] = field(default_factory=list)  # about the whole system

    def all_notes(self) -> list[str]:
        return self.notes + [
            f"{s.name}: {note}" for s in self.services.values() for note in s.notes
        ]


def service_name(raw: str) -> str:
    """A system.yaml service name (lower-case letters, digits, dashes) from a Compose or
    Kubernetes name."""
    name = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-") or "service"
    return name if name[0].isalpha() else f"svc-{name}"


def choose_entrypoint(draft: SystemDraft, wanted: str | None) -> None:
    if wanted:
        draft.entrypoint = service_name(wanted)
        return
    draft.entrypoint, reasoning = rank_entrypoint(draft)
    draft.notes.extend(reasoning)


def local_command(command: list[str]) -> list[str]:
    """A command as it runs locally: `python` is the harness's own interpreter (it has the
    packages a Python service here needs), everything else as written."""
    if command and Path(command[0]).name in PYTHONS:
        return ["{python}", *command[1:]]
    return command


def assign_free_ports(draft: SystemDraft, first: int = 8100) -> None:
    """Every service a stable address of its own: the port it publishes where that is unique,
    else the next one from `first` up. An image-only service keeps the port its container
    listens on (harness/init/image_only.py), shared or not: it never runs on this machine."""
    published = [s.port for s in draft.services.values() if s.port and s.command is not None]
    taken = set(published)
    next_port = first
    for service in draft.services.values():
        if service.port and (service.command is None or published.count(service.port) == 1):
            continue
        while next_port in taken:
            next_port += 1
        if service.port:
            service.notes.append(f"its port {service.port} is another service's too: {next_port}")
        else:
            service.notes.append(f"publishes no port: its stable address is {next_port} (any free)")
        service.port = next_port
        taken.add(next_port)


def relative_to(path: Path, folder: Path) -> str:
    return os.path.relpath(path.resolve(), folder.resolve())


def render(draft: SystemDraft) -> str:
    """The system.yaml text: plain YAML plus the notes as comments."""
    services = {}
    for service in draft.services.values():
        if service.port is None or (service.command is None and not service.image):
            continue
        # an image-only service (no command) runs its image's entrypoint where images run
        entry: dict[str, object] = {"command": service.command} if service.command else {}
        if service.workdir:
            entry["workdir"] = service.workdir
        entry["port"] = service.port
        if service.port_env != "PORT":
            entry["port_env"] = service.port_env
        entry["replicas"] = service.replicas
        ready = service.ready_path or DEFAULT_READY_PATH
        entry["health"] = {"live": service.live_path or ready, "ready": ready}
        if service.command is None and service.ready_path is None:
            # an image that answers no HTTP health path found (a data store, a gRPC server)
            entry["health"] = {"tcp": True}
        if service.image:
            entry["image"] = service.image
        if service.env:
            entry["env"] = dict(sorted(service.env.items()))
        dependencies: dict[str, object] = {
            name: dependency_entry(
                var,
                service.addresses.get(name),
                grpc=name in draft.services and draft.services[name].speaks_grpc,
            )
            for name, var in service.dependencies.items()
        }
        for name, named in service.host_names.items():
            # the protocol is written even when it is tcp, the default: it was guessed
            dependencies[name] = {"host_name": named.host_name, "protocol": named.protocol}
        if dependencies:
            entry["dependencies"] = dependencies
        services[service.name] = entry
    document: dict[str, object] = {"name": draft.name, "entrypoint": draft.entrypoint}
    if draft.locustfile:
        document["locustfile"] = draft.locustfile
    document["services"] = services
    header = [f"# Drafted by `firebreak init` from {draft.source.name}. Confirm what it guessed:"]
    header += [f"#  - {note}" for note in draft.all_notes()] or ["#  (nothing)"]
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=100)
    return "\n".join(header) + "\n" + body
