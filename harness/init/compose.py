"""A system draft from a Docker Compose file, as real projects write them: build contexts whose
Dockerfile has the command, ports in short or long syntax, environment as a list or a mapping,
health checks with curl or wget, `deploy.replicas`, and databases that run only as images."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from harness.errors import InputError
from harness.init.draft import (
    ServiceDraft,
    SystemDraft,
    assign_free_ports,
    infer_dependencies,
    local_command,
    relative_to,
    service_name,
)

DOCKERFILE_INSTRUCTION = re.compile(r"^\s*(CMD|ENTRYPOINT)\s+(.*)$", re.IGNORECASE)
URL_IN_TEXT = re.compile(r"https?://[^\s'\"]+")


def _as_command(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [str(part) for part in value]
    return shlex.split(str(value))


def _dockerfile_command(dockerfile: Path) -> list[str] | None:
    """ENTRYPOINT + CMD of a Dockerfile's last stage (exec form, or shell form through sh)."""
    try:
        lines = dockerfile.read_text().splitlines()
    except OSError:
        return None
    found: dict[str, list[str]] = {}
    for line in lines:
        if line.strip().upper().startswith("FROM "):
            found = {}  # a new stage: only the last one runs
        match = DOCKERFILE_INSTRUCTION.match(line)
        if not match:
            continue
        text = match.group(2).strip()
        try:
            parsed = json.loads(text)
            command = [str(part) for part in parsed] if isinstance(parsed, list) else None
        except json.JSONDecodeError:
            command = None
        found[match.group(1).upper()] = command or ["sh", "-c", text]
    if not found:
        return None
    return [*found.get("ENTRYPOINT", []), *found.get("CMD", [])]


def _ports(value: Any) -> tuple[int | None, int | None]:
    """(the port the container listens on, the port published on the host)."""
    for entry in value or []:
        if isinstance(entry, dict):
            target, published = entry.get("target"), entry.get("published")
            return (int(target) if target else None), (int(published) if published else None)
        parts = str(entry).split("/")[0].split(":")
        try:
            if len(parts) == 1:
                return int(parts[0]), None
            return int(parts[-1]), int(parts[-2])
        except ValueError:
            continue  # a range such as 8000-8010: not guessed
    return None, None


def _environment(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    env = {}
    for item in value or []:
        name, equals, setting = str(item).partition("=")
        if equals:
            env[name] = setting
    return env


def _health_path(healthcheck: Any) -> str | None:
    test = (healthcheck or {}).get("test")
    text = " ".join(test) if isinstance(test, list) else str(test or "")
    match = URL_IN_TEXT.search(text)
    if not match:
        return None
    path = "/" + match.group(0).split("/", 3)[3] if match.group(0).count("/") >= 3 else "/"
    return path.split("?")[0] or "/"


def _build(spec: dict[str, Any], folder: Path) -> tuple[Path, Path] | None:
    build = spec.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        context, dockerfile = folder / build, "Dockerfile"
    else:
        context = folder / str(build.get("context", "."))
        dockerfile = str(build.get("dockerfile", "Dockerfile"))
    return context, context / dockerfile


# set by the platform for every replica (docs/contracts.md): a value from elsewhere means nothing
PLATFORM_VARIABLES = ("HOST", "DATA_DIR", "FIREBREAK_SERVICE", "FIREBREAK_INSTANCE")


def take_port_variable(service: ServiceDraft, container_port: int | None) -> None:
    """The variable that sets the port the service listens on becomes `port_env` (the platform
    sets it per replica); without one, say that the service must read its port from PORT.
    Variables the platform sets itself are dropped, and said so."""
    for variable in PLATFORM_VARIABLES:
        if variable in service.env:
            service.notes.append(
                f"{variable}={service.env.pop(variable)} dropped: the platform sets {variable}"
            )
    if container_port is None and service.env.get("PORT", "").isdigit():
        container_port = int(service.env["PORT"])
    for variable, value in list(service.env.items()):
        if container_port and value == str(container_port) and variable.endswith("PORT"):
            service.port_env = variable
            del service.env[variable]
            return
    if container_port:
        service.notes.append(
            f"listens on {container_port} in its container, and no variable sets that: each local "
            "replica gets its own port in PORT, so check that the service reads it (or set "
            "`port_env`)"
        )


def _run_folder(context: Path, command: list[str]) -> Path:
    """Where the command runs from: the build context, or the folder above it when the command
    runs a module of a package that *is* the context (`python -m shop.api`, context `shop/`,
    copied into the image as a package)."""
    if "-m" in command[:-1]:
        module = command[command.index("-m") + 1]
        if module.partition(".")[0] == context.name and (context / "__init__.py").is_file():
            return context.parent
    return context


def service_from_compose(
    raw_name: str, spec: dict[str, Any], folder: Path, out: Path
) -> ServiceDraft:
    service = ServiceDraft(service_name(raw_name))
    if service.name != raw_name:
        service.notes.append(f"named `{service.name}` (Compose calls it `{raw_name}`)")
    built = _build(spec, folder)
    command = _as_command(spec.get("entrypoint")) or []
    command += _as_command(spec.get("command")) or []
    if not command and built is not None:
        command = _dockerfile_command(built[1]) or []
        if command:
            service.notes.append(
                f"its command comes from {relative_to(built[1], folder)}'s CMD (confirm)"
            )
    if command:
        service.command = local_command(command)
    service.workdir = relative_to(_run_folder(built[0], command), out) if built else None
    service.image = spec.get("image")
    container_port, published = _ports(spec.get("ports") or spec.get("expose"))
    service.port = published  # a published port is the address people know it by
    service.env = _environment(spec.get("environment"))
    take_port_variable(service, container_port)
    service.ready_path = _health_path(spec.get("healthcheck"))
    if service.ready_path is None:
        service.notes.append("no HTTP health check found: its ready path is a guess")
    deploy = spec.get("deploy") or {}
    service.replicas = int(deploy.get("replicas") or spec.get("scale") or 1)
    if spec.get("env_file"):
        service.notes.append("its env_file is not read: copy what it needs into `env`")
    return service


def draft_from_compose(path: Path, out: Path) -> SystemDraft:
    """A draft from a Compose file; `out` is where the system.yaml will be written."""
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"The Compose file cannot be read: {exc}.", path=str(path)) from None
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        raise InputError(
            "This is not a Compose file: expected a top-level `services:` mapping.", path=str(path)
        )
    draft = SystemDraft(name=service_name(document.get("name") or path.parent.name), source=path)
    hosts: dict[str, str] = {}
    depends_on: dict[str, list[str]] = {}
    for raw_name, spec in document["services"].items():
        spec = spec or {}
        service = service_from_compose(str(raw_name), spec, path.parent, out.parent)
        if service.command is None:
            draft.notes.append(
                f"`{raw_name}` runs only as an image ({spec.get('image', 'no image')}), with no "
                "command to run it locally: left out (a dependency on it stays inside the "
                "services that use it)"
            )
            continue
        draft.services[service.name] = service
        for alias in (raw_name, spec.get("hostname"), spec.get("container_name")):
            if alias:
                hosts[str(alias)] = service.name
        needs = spec.get("depends_on") or []
        depends_on[service.name] = [service_name(str(n)) for n in needs]
    infer_dependencies(draft, hosts)
    for name, needs in depends_on.items():
        for needed in needs:
            if needed in draft.services and needed not in draft.services[name].dependencies:
                draft.services[name].notes.append(
                    f"depends_on `{needed}`, but no variable holds its URL: add the dependency "
                    "by hand if it is called over HTTP"
                )
    assign_free_ports(draft)
    return draft
