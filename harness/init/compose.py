"""A system draft from a Docker Compose file, as real projects write them: build contexts whose
Dockerfile has the command, ports in short or long syntax, environment as a list or a mapping,
health checks with curl or wget, `deploy.replicas`, and databases that run only as images."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.init.compose_file import ComposeProject, depends_on_names, load_compose
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
    Needed,
    add_host_named,
    compose_needs,
    drop_colliding_host_names,
    host_named_summary,
)
from harness.init.image_only import (
    leave_out_uncalled_images,
    no_http_health_note,
    take_image_port,
)

DOCKERFILE_INSTRUCTION = re.compile(r"^\s*(CMD|ENTRYPOINT)\s+(.*)$", re.IGNORECASE)
URL_IN_TEXT = re.compile(r"https?://[^\s'\"]+")
STAGE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)
# raises the InputError for a field of the service being drafted, at its file and line
Fail = Callable[[Sequence[str | int], str], InputError]


def _as_command(value: Any, field: str, fail: Fail) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(p, str | int | float) for p in value):
        return [str(part) for part in value]
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:  # an unclosed quote
            raise fail((field,), f"`{value}` cannot be split into words: {exc}.") from None
    raise fail((field,), "expected a command line (a string or a list of strings).")


def _dockerfile_command(dockerfile: Path, target: str | None = None) -> list[str] | None:
    """ENTRYPOINT + CMD of the stage that runs: `build.target`'s, else the last one (exec form,
    or shell form through sh). A stage built `FROM` an earlier one inherits its command."""
    try:
        lines = dockerfile.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    stages: dict[str, dict[str, list[str]]] = {}
    found: dict[str, list[str]] = {}
    set_here: set[str] = set()  # what this stage sets itself (not from its base)
    for line in lines:
        stage = STAGE.match(line)
        if stage:
            base = stage.group(1).lower()
            name = (stage.group(2) or f"#{len(stages)}").lower()
            found = dict(stages.get(base, {}))  # a new stage starts from its base's settings
            stages[name] = found
            set_here = set()
        match = DOCKERFILE_INSTRUCTION.match(line)
        if not match:
            continue
        text = match.group(2).strip()
        try:
            parsed = json.loads(text)
            command = [str(part) for part in parsed] if isinstance(parsed, list) else None
        except json.JSONDecodeError:
            command = None
        instruction = match.group(1).upper()
        found[instruction] = command or ["sh", "-c", text]
        set_here.add(instruction)
        if instruction == "ENTRYPOINT" and "CMD" not in set_here:
            found.pop("CMD", None)  # Docker resets an inherited CMD when ENTRYPOINT is set
    if target is not None:
        found = stages.get(target.lower(), {})
    if not found:
        return None
    return [*found.get("ENTRYPOINT", []), *found.get("CMD", [])]


def _port_number(value: Any, field: Sequence[str | int], fail: Fail) -> int | None:
    """A port as a number; a range (`8000-8010`) is not guessed (None)."""
    text = str(value).strip()
    if re.fullmatch(r"\d+-\d+", text):
        return None
    if not text.isdigit() or isinstance(value, bool) or not 0 < int(text) < 65536:
        raise fail(field, f"`{value}` is not a port; expected a number from 1 to 65535.")
    return int(text)


def _ports(value: Any, field: str, fail: Fail) -> tuple[int | None, int | None]:
    """(the port the container listens on, the port published on the host), from the first
    entry that names one; every entry is checked."""
    if value is None:
        return None, None
    if not isinstance(value, list):
        raise fail((field,), 'expected a list of ports (`- "8080:80"`).')
    found: list[tuple[int | None, int | None]] = []
    for index, entry in enumerate(value):
        at = (field, index)
        if isinstance(entry, dict):
            if "target" not in entry:
                raise fail(at, "a long-form port needs `target:` (the container's port).")
            target = _port_number(entry["target"], (*at, "target"), fail)
            published = entry.get("published")
            outside = (
                None
                if published in (None, "")
                else _port_number(published, (*at, "published"), fail)
            )
            found.append((target, outside))
            continue
        if not isinstance(entry, str | int) or isinstance(entry, bool):
            raise fail(at, "expected a port such as `80`, `8080:80` or `127.0.0.1:8080:80/tcp`.")
        text = str(entry).rsplit("/", 1)[0]
        text = re.sub(r"^\[[^\]]*\]:", "", text)  # an IPv6 host address in brackets
        parts = text.split(":")
        if len(parts) > 3 or (len(parts) == 3 and not parts[0]):
            raise fail(
                at, f"`{entry}` is not a port; expected `[HOST_IP:][HOST:]CONTAINER[/PROTOCOL]`."
            )
        container = _port_number(parts[-1], at, fail)
        host = _port_number(parts[-2], at, fail) if len(parts) > 1 and parts[-2] else None
        found.append((container, host))
    return next((pair for pair in found if pair[0] is not None), (None, None))


def _environment(value: Any, fail: Fail) -> dict[str, str]:
    if isinstance(value, dict):
        for name, setting in value.items():
            if isinstance(setting, dict | list):
                raise fail(("environment", name), "expected a plain value (a string or number).")
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if value is not None and not isinstance(value, list):
        raise fail(("environment",), "expected a list of `NAME=value` or a mapping.")
    env = {}
    for index, item in enumerate(value or []):
        if not isinstance(item, str):
            raise fail(("environment", index), "expected `NAME=value`.")
        name, equals, setting = item.partition("=")
        if equals:
            env[name] = setting
    return env


def _health_path(healthcheck: Any, fail: Fail) -> str | None:
    if healthcheck is not None and not isinstance(healthcheck, dict):
        raise fail(("healthcheck",), "expected a mapping with `test:`.")
    test = (healthcheck or {}).get("test")
    text = " ".join(test) if isinstance(test, list) else str(test or "")
    match = URL_IN_TEXT.search(text)
    if not match:
        return None
    path = "/" + match.group(0).split("/", 3)[3] if match.group(0).count("/") >= 3 else "/"
    return path.split("?")[0] or "/"


def _speaks_grpc(healthcheck: Any) -> bool:
    """A health check that runs grpc_health_probe (or grpc-health-probe): the service is a gRPC
    server, as a Kubernetes `grpc:` probe says (harness/init/manifests.py)."""
    test = healthcheck.get("test") if isinstance(healthcheck, dict) else None
    text = " ".join(map(str, test)) if isinstance(test, list) else str(test or "")
    return bool(re.search(r"grpc[_-]health[_-]probe", text))


def _build(spec: dict[str, Any], folder: Path, fail: Fail) -> tuple[Path, Path, str | None] | None:
    """(build context, Dockerfile, target stage); contexts are absolute (compose_file.py)."""
    build = spec.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        return folder / build, folder / build / "Dockerfile", None
    if not isinstance(build, dict):
        raise fail(("build",), "expected a context folder, or a mapping with `context:`.")
    for key in ("context", "dockerfile", "target"):
        if key in build and not isinstance(build[key], str):
            raise fail(("build", key), "expected a string.")
    context = folder / str(build.get("context", "."))
    return context, context / str(build.get("dockerfile", "Dockerfile")), build.get("target")


def _replicas(spec: dict[str, Any], fail: Fail) -> int:
    deploy = spec.get("deploy") or {}
    if not isinstance(deploy, dict):
        raise fail(("deploy",), "expected a mapping (`replicas:`...).")
    field = ("deploy", "replicas") if deploy.get("replicas") is not None else ("scale",)
    value = deploy.get("replicas", spec.get("scale"))
    if value is None:
        return 1
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise fail(field, f"`{value}` is not a number of replicas; expected a whole number.")
    return max(int(str(value).strip()), 1)


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
    if container_port and service.command is not None:  # an image runs where PORT is its own
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
    raw_name: str, spec: dict[str, Any], folder: Path, out: Path, fail: Fail | None = None
) -> ServiceDraft:
    fail = fail or (lambda at, message: InputError(message, field=".".join(map(str, at))))
    service = ServiceDraft(service_name(raw_name))
    if service.name != raw_name:
        service.notes.append(f"named `{service.name}` (Compose calls it `{raw_name}`)")
    built = _build(spec, folder, fail)
    command = _as_command(spec.get("entrypoint"), "entrypoint", fail) or []
    command += _as_command(spec.get("command"), "command", fail) or []
    if not command and built is not None:
        command = _dockerfile_command(built[1], built[2]) or []
        stage = f" (stage `{built[2]}`, its build.target)" if built[2] else ""
        if command:
            service.notes.append(
                f"its command comes from {relative_to(built[1], folder)}'s CMD{stage} (confirm)"
            )
        elif built[2]:
            service.notes.append(
                f"its build.target `{built[2]}` is not a stage of {built[1].name} with a CMD"
            )
    if command:
        service.command = local_command(command)
    service.workdir = relative_to(_run_folder(built[0], command), out) if built else None
    image = spec.get("image")
    if image is not None and not isinstance(image, str):
        raise fail(("image",), "expected an image name such as `redis:7`.")
    service.image = image
    container_port, published = _ports(spec.get("ports"), "ports", fail)
    if container_port is None:
        container_port, _ = _ports(spec.get("expose"), "expose", fail)
    service.port = published  # a published port is the address people know it by
    service.published = f"host port {published}" if published else None
    service.env = _environment(spec.get("environment"), fail)
    take_port_variable(service, container_port)
    if service.command is None:
        take_image_port(service, container_port)
    service.ready_path = _health_path(spec.get("healthcheck"), fail)
    service.speaks_grpc = _speaks_grpc(spec.get("healthcheck"))
    if service.ready_path is None:
        service.notes.append(no_http_health_note(service, "no HTTP health check found"))
    service.replicas = _replicas(spec, fail)
    return service


def draft_from_compose(
    path: Path | Sequence[Path], out: Path, environ: Mapping[str, str] | None = None
) -> SystemDraft:
    """A draft from a Compose file, or several merged as `docker compose -f A -f B` merges them;
    `out` is where the system.yaml will be written; `environ` defaults to the process's."""
    files = [path] if isinstance(path, Path) else list(path)
    project = load_compose(files, environ)
    if not project.services and not project.left_out:
        raise InputError(
            "This is not a Compose file: expected a top-level `services:` mapping.",
            path=str(files[0]),
            field="services",
        )
    path = files[0]
    name = (
        project.name
        if isinstance(project.name, str) and project.name
        else path.resolve().parent.name
    )
    draft = SystemDraft(name=service_name(name), source=path)
    draft.notes.extend(project.notes)
    hosts: dict[str, str] = {}
    names: dict[str, str] = {}  # each Compose name → its draft service's
    needs: dict[str, list[Needed]] = {}  # what depends_on and links say each service calls
    for raw_name, spec in project.services.items():
        service = service_from_compose(
            str(raw_name), spec, path.parent, out.parent, _failing(project, raw_name)
        )
        if service.command is None and service.image is None:
            draft.notes.append(
                f"`{raw_name}` has no command (in Compose or its Dockerfile) and no image to run "
                "as it is: left out (a dependency on it stays inside the services that use it)"
            )
            continue
        draft.services[service.name] = service
        names[str(raw_name)] = service.name
        for alias in (raw_name, spec.get("hostname"), spec.get("container_name")):
            if alias:
                hosts[str(alias)] = service.name
        depends_on = depends_on_names(project, str(raw_name))
        needs[service.name] = compose_needs(project, str(raw_name), depends_on)
    for need in (n for wanted in needs.values() for n in wanted if n.callee in names):
        hosts.setdefault(need.host_name, names[need.callee])  # a link's alias names it too
    infer_dependencies(draft, hosts)
    # a service built here is taken for an HTTP one when called by name
    built = [
        names[str(n)] for n, spec in project.services.items() if spec.get("build") and n in names
    ]
    add_host_named(draft, needs, names, built)
    named = {caller: [service_name(n.callee) for n in wanted] for caller, wanted in needs.items()}
    draft.notes.extend(leave_out_uncalled_images(draft, named))
    assign_free_ports(draft)
    drop_colliding_host_names(draft)  # on the ports the callees are dialed on, now final
    draft.notes.extend(host_named_summary(draft))
    return draft


def _failing(project: ComposeProject, service: str) -> Fail:
    return lambda field, message: project.error(service, field, message)
