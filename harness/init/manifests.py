"""A system draft from a folder of Kubernetes manifests: Deployments (or StatefulSets) for the
replicas, commands, ports, environment and readiness probes; Services for the names callers use.

A manifest says nothing of where a service's source is: the working directory is the nearest
folder (beside the manifests, or above them) in which the command's own files exist (a script it
runs, a `-m` module), else a folder named after the service or its image; it is said so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.errors import InputError
from harness.init.compose import take_port_variable
from harness.init.draft import (
    ServiceDraft,
    SystemDraft,
    assign_free_ports,
    infer_dependencies,
    local_command,
    relative_to,
    service_name,
)

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "ReplicaSet")


def _documents(folder: Path) -> list[dict[str, Any]]:
    documents = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            documents += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
        except yaml.YAMLError as exc:
            raise InputError(f"This manifest is not valid YAML: {exc}.", path=str(path)) from None
    for document in list(documents):
        if document.get("kind") == "List":
            documents += [i for i in document.get("items", []) if isinstance(i, dict)]
    return documents


def _probe_path(container: dict[str, Any], probe: str) -> str | None:
    http_get = (container.get(probe) or {}).get("httpGet") or {}
    return http_get.get("path")


SOURCE_SUFFIXES = (".js", ".mjs", ".py", ".jar", ".rb")


def _files_named_in(command: list[str]) -> list[str]:
    """Relative paths a command refers to: scripts it runs, modules it runs with `-m`."""
    named = []
    for index, part in enumerate(command[1:], start=1):
        relative_path = "/" in part and not part.startswith(("/", "-"))
        if command[index - 1] == "-m":
            named.append(part.replace(".", "/"))
        elif relative_path or Path(part).suffix in SOURCE_SUFFIXES:
            named.append(part)
    return named


def _source_folder(folder: Path, names: list[str], command: list[str]) -> Path | None:
    around = [folder.parent, folder.parent.parent]
    files = _files_named_in(command)
    for base in [*(b / n for b in around for n in names), *around]:
        if files and all(
            (base / f).exists() or (base / f).with_suffix(".py").exists() for f in files
        ):
            return base
    for base in (b / n for b in around for n in names):
        if base.is_dir():
            return base
    return None


def service_from_workload(document: dict[str, Any], folder: Path, out: Path) -> ServiceDraft:
    metadata = document.get("metadata") or {}
    spec = document.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    container = (pod.get("containers") or [{}])[0]
    service = ServiceDraft(service_name(str(metadata.get("name", "service"))))
    service.replicas = int(spec.get("replicas") or 1)
    command = [*(container.get("command") or []), *(container.get("args") or [])]
    service.image = container.get("image")
    if command:
        service.command = local_command([str(part) for part in command])
    image_name = str(service.image or "").rsplit("/", 1)[-1].split(":")[0]
    source = _source_folder(folder, [service.name, image_name], [str(c) for c in command])
    if source is not None:
        service.workdir = relative_to(source, out)
        service.notes.append(f"runs in {service.workdir}, where its command's files are (confirm)")
    ports = container.get("ports") or []
    container_port = int(ports[0]["containerPort"]) if ports else None
    service.env = {
        str(e["name"]): str(e["value"])
        for e in container.get("env") or []
        if "name" in e and "value" in e
    }
    if any("valueFrom" in e for e in container.get("env") or []):
        service.notes.append("some variables come from secrets or config maps: not copied")
    take_port_variable(service, container_port)
    service.ready_path = _probe_path(container, "readinessProbe")
    service.live_path = _probe_path(container, "livenessProbe")
    if service.ready_path is None:
        service.notes.append("no HTTP readiness probe: its ready path is a guess")
    return service


def draft_from_manifests(folder: Path, out: Path) -> SystemDraft:
    documents = _documents(folder)
    workloads = [d for d in documents if d.get("kind") in WORKLOAD_KINDS]
    if not workloads:
        raise InputError(
            "No Deployment or StatefulSet found in this folder; expected Kubernetes manifests "
            "(*.yaml) describing the services' workloads.",
            path=str(folder),
        )
    draft = SystemDraft(name=service_name(folder.resolve().parent.name), source=folder)
    hosts: dict[str, str] = {}
    labels_of: dict[str, dict[str, str]] = {}
    for workload in workloads:
        service = service_from_workload(workload, folder, out.parent)
        if service.command is None:
            draft.notes.append(
                f"`{service.name}` has no command (its image's entrypoint runs): left out; add it "
                "with the command that runs it locally"
            )
            continue
        draft.services[service.name] = service
        hosts[service.name] = service.name
        template = (workload.get("spec") or {}).get("template") or {}
        labels_of[service.name] = (template.get("metadata") or {}).get("labels") or {}
    # a Service's name is what callers put in their URLs; its port is the stable address
    for document in documents:
        if document.get("kind") != "Service":
            continue
        selector = (document.get("spec") or {}).get("selector") or {}
        for name, labels in labels_of.items():
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                hosts[str((document.get("metadata") or {}).get("name"))] = name
    infer_dependencies(draft, hosts)
    assign_free_ports(draft)
    return draft
