"""A system draft from Kubernetes manifests as teams keep them (harness/init/manifest_files.py
reads them): workloads for the replicas, commands, ports, environment and readiness probes;
Services for the names callers use and for what is published outside.

Every workload found is listed, and each one left out says why (harness/init/workloads.py). A
container with no `command` runs its image's entrypoint: it can run only where images run.

A manifest says nothing of where a service's source is: the working directory is the nearest
folder (beside the manifests, or above them) in which the command's own files exist (a script it
runs, a `-m` module), else a folder named after the service or its image; it is said so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from harness.init.host_names import (
    add_host_named,
    drop_colliding_host_names,
    host_named_summary,
    waited_for,
)
from harness.init.image_only import no_http_health_note, take_image_port
from harness.init.load_generators import (
    find_locustfile,
    load_generator_notes,
    locustfile_in_config_maps,
)
from harness.init.manifest_files import ManifestDocument, read_manifests
from harness.init.workloads import WORKLOAD_KINDS, Workload, find_workloads

IMAGE_ONLY = "runs only as its image: needs the docker or kubernetes platform"
PUBLISHED_TYPES = ("LoadBalancer", "NodePort")


def _grpc_probed(container: dict[str, Any]) -> bool:
    """A `grpc:` probe (Kubernetes' own) or one that runs grpc_health_probe."""
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        spec = container.get(probe)
        if not isinstance(spec, dict):
            continue
        command = (
            (spec.get("exec") or {}).get("command") if isinstance(spec.get("exec"), dict) else None
        )
        if "grpc" in spec or any("grpc_health_probe" in str(part) for part in command or []):
            return True
    return False


def _probe_path(container: dict[str, Any], probe: str) -> str | None:
    probe_spec = container.get(probe)
    http_get = probe_spec.get("httpGet") if isinstance(probe_spec, dict) else None
    path = http_get.get("path") if isinstance(http_get, dict) else None
    return str(path) if path else None


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


def service_from_workload(workload: Workload, folder: Path, out: Path) -> ServiceDraft:
    """A service from a workload that can be one (`read_workload` checked its shape)."""
    container = workload.container or {}
    service = ServiceDraft(service_name(workload.name))
    service.replicas = workload.replicas
    service.image = workload.image
    if workload.command:
        command = [*workload.command, *workload.args]
        service.command = local_command(command)
        image_name = str(service.image or "").rsplit("/", 1)[-1].split(":")[0]
        source = _source_folder(folder, [service.name, image_name], command)
        if source is not None:
            service.workdir = relative_to(source, out)
            service.notes.append(
                f"runs in {service.workdir}, where its command's files are (confirm)"
            )
    else:
        service.args_only = bool(workload.args)
        service.notes.append(IMAGE_ONLY)
        if workload.args:
            service.notes.append(
                f"its args {workload.args} go to its image's entrypoint: not kept (confirm)"
            )
    if workload.other_containers:
        service.notes.append(
            f"its other containers ({', '.join(workload.other_containers)}) are left out"
        )
    ports = container.get("ports") or []
    container_port = int(ports[0]["containerPort"]) if ports else None
    env = container.get("env") or []
    service.env = {str(e["name"]): str(e["value"]) for e in env if "value" in e}
    if any("valueFrom" in e for e in env):
        service.notes.append("some variables come from secrets or config maps: not copied")
    take_port_variable(service, container_port)
    if service.command is None:
        take_image_port(service, container_port)
    service.speaks_grpc = _grpc_probed(container)
    if service.speaks_grpc:
        service.notes.append("its probes use gRPC's health protocol: edges to it are gRPC")
    service.ready_path = _probe_path(container, "readinessProbe")
    service.live_path = _probe_path(container, "livenessProbe")
    if service.ready_path is None:
        service.notes.append(no_http_health_note(service, "no HTTP readiness probe"))
    return service


def _selector_matches(document: ManifestDocument, labels: dict[str, str]) -> bool:
    spec = document.data.get("spec")
    selector = spec.get("selector") if isinstance(spec, dict) else None
    if not isinstance(selector, dict) or not selector:
        return False
    return all(labels.get(str(k)) == str(v) for k, v in selector.items())


def _ingress_backends(document: ManifestDocument) -> list[str]:
    """The Service names an Ingress (either API version) or a Gateway API HTTPRoute sends to."""
    names: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            service = value.get("service")
            if isinstance(service, dict) and isinstance(service.get("name"), str):
                names.append(service["name"])  # networking.k8s.io/v1
            if isinstance(value.get("serviceName"), str):
                names.append(value["serviceName"])  # v1beta1
            for ref in value.get("backendRefs") or []:
                if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                    names.append(ref["name"])  # HTTPRoute
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document.data.get("spec"))
    return names


def _wire_services(
    draft: SystemDraft, documents: list[ManifestDocument], labels_of: dict[str, dict[str, str]]
) -> dict[str, str]:
    """Every name a service answers to (its Services'), and which ones are published."""
    hosts = {name: name for name in draft.services}
    service_of: dict[str, str] = {}
    for document in documents:
        if document.kind != "Service":
            continue
        for name, labels in labels_of.items():
            if _selector_matches(document, labels):
                hosts[document.name] = name
                service_of[document.name] = name
                spec = document.data.get("spec")
                kind = str(spec.get("type") or "ClusterIP") if isinstance(spec, dict) else ""
                if kind in PUBLISHED_TYPES and draft.services[name].published is None:
                    draft.services[name].published = f"Service `{document.name}` ({kind})"
    for document in documents:
        if document.kind not in ("Ingress", "HTTPRoute"):
            continue
        for backend in _ingress_backends(document):
            name = service_of.get(backend)
            if name is not None and draft.services[name].published is None:
                draft.services[name].published = f"{document.kind} `{document.name}`"
    return hosts


def _take_load(draft: SystemDraft, generators: list[Workload], folder: Path, out: Path) -> None:
    for workload in generators:
        locustfile = find_locustfile(workload, folder)
        draft.notes.extend(load_generator_notes(workload, locustfile))
        if locustfile is not None and draft.locustfile is None:
            draft.locustfile = relative_to(locustfile, out)


def _none_can_run(left_out: list[tuple[Workload, str]], notes: list[str]) -> str:
    """Why no workload became a service, grouped by reason (eleven Online Boutique services
    share one), with the load generator's notes: the user sees what was found."""
    by_reason: dict[str, list[str]] = {}
    for workload, why in left_out:
        by_reason.setdefault(why, []).append(f"`{workload.name}`")
    reasons = [f"{', '.join(names)}: {why}" for why, names in by_reason.items()]
    loads = [n for n in notes if "is a load generator" in n]
    return (
        "No workload here can be a service of system.yaml: " + "; ".join([*reasons, *loads]) + "."
    )


def draft_from_manifests(source: Path, out: Path) -> SystemDraft:
    """A draft from a manifest file or folder; `out` is where the system.yaml will be written."""
    found = read_manifests(source)
    workloads = find_workloads(found.documents)
    if not workloads:
        raise InputError(
            f"No workload ({', '.join(WORKLOAD_KINDS)}) found here; expected Kubernetes "
            "manifests describing the services' workloads.",
            path=str(source),
        )
    folder = source if source.is_dir() else source.parent
    name_folder = source.resolve().parent if source.is_dir() else source.resolve().parent.parent
    draft = SystemDraft(name=service_name(name_folder.name), source=source)
    draft.notes.extend(found.notes)
    draft.notes.append(
        f"{len(workloads)} workloads found: " + ", ".join(w.label for w in workloads)
    )
    left_out: list[tuple[Workload, str]] = []
    labels_of: dict[str, dict[str, str]] = {}
    for workload in workloads:
        if workload.left_out is not None:
            if workload.load_tool is None:
                left_out.append((workload, workload.left_out))
            continue
        service = service_from_workload(workload, folder, out.parent)
        if service.name in draft.services:
            left_out.append((workload, f"a second `{service.name}`"))
            continue
        draft.services[service.name] = service
        labels_of[service.name] = workload.pod_labels
    beside = [w for w in find_workloads(found.unlisted) if w.load_tool]
    _take_load(draft, [w for w in workloads if w.load_tool] + beside, folder, out.parent)
    if draft.locustfile is None and (where := locustfile_in_config_maps(found.documents)):
        draft.notes.append(f"a locustfile is in {where}: save it beside system.yaml as the load")
    draft.notes.extend(f"{w.label} left out: {why}" for w, why in left_out)
    if not draft.services:
        raise InputError(_none_can_run(left_out, draft.notes), path=str(source))
    hosts = _wire_services(draft, found.documents, labels_of)
    infer_dependencies(draft, hosts)
    # an initContainer that waits for a host (`nc -z db 5432`) says the service calls it by name
    needs = {
        service_name(w.name): waited_for(w.init_commands, hosts)
        for w in workloads
        if service_name(w.name) in draft.services
    }
    add_host_named(draft, needs, {name: name for name in draft.services})
    assign_free_ports(draft)
    drop_colliding_host_names(draft)  # on the ports the callees are dialed on, now final
    draft.notes.extend(host_named_summary(draft))
    return draft
