"""The workloads of a set of manifests, checked for shape and sorted into what can be a service
and what cannot (with why): a Job runs to completion, a load generator is the load, a workload
with no container runs nothing.

A malformed workload is an input error naming its file, line and field, never a traceback: the
fields read here are exactly the ones the draft uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.errors import InputError
from harness.init.entrypoint import image_words
from harness.init.manifest_files import Located, ManifestDocument

SERVICE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
RUN_TO_COMPLETION_KINDS = ("Job", "CronJob")
WORKLOAD_KINDS = (*SERVICE_KINDS, *RUN_TO_COMPLETION_KINDS)
LOAD_TOOLS = (
    "locust",
    "k6",
    "wrk",
    "hey",
    "vegeta",
    "artillery",
    "jmeter",
    "gatling",
    "loadgenerator",
)


@dataclass
class Workload:
    """One Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob, as the draft reads it."""

    document: ManifestDocument
    container: Located | None = None  # the first container: the one the draft runs
    pod_labels: dict[str, str] = field(default_factory=dict)
    replicas: int = 1
    command: list[str] = field(default_factory=list)  # the container's `command`
    args: list[str] = field(default_factory=list)
    other_containers: list[str] = field(default_factory=list)
    # each initContainer's command line: one that waits for a host names a callee
    init_commands: list[str] = field(default_factory=list)
    load_tool: str | None = None  # the load tool it runs, when it is a load generator
    left_out: str | None = None  # why it is not a service, when it is not

    @property
    def name(self) -> str:
        return self.document.name

    @property
    def image(self) -> str | None:
        image = (self.container or {}).get("image")
        return str(image) if image else None

    @property
    def label(self) -> str:
        return f"{self.document.kind} `{self.name}` ({self.document.where})"


def _fail(document: ManifestDocument, line: int, field_path: str, message: str) -> InputError:
    return InputError(message, path=str(document.path), line=line, field=field_path)


def _mapping(value: Any, document: ManifestDocument, line: int, field_path: str) -> Located:
    if value is None:
        absent = Located()
        absent.line = line  # an error inside it points at its parent
        return absent
    if not isinstance(value, Located):
        raise _fail(document, line, field_path, f"Expected a mapping, found {value!r}.")
    return value


def _strings(value: Any, document: ManifestDocument, line: int, field_path: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or any(isinstance(v, dict | list) for v in value):
        raise _fail(document, line, field_path, f"Expected a list of strings, found {value!r}.")
    return [str(v) for v in value]


def _check_container(container: Located, document: ManifestDocument, prefix: str) -> None:
    ports = container.get("ports")
    if ports is not None and not isinstance(ports, list):
        raise _fail(document, container.line, f"{prefix}.ports", "Expected a list of ports.")
    for index, port in enumerate(ports or []):
        where = f"{prefix}.ports[{index}]"
        port = _mapping(port, document, container.line, where)
        number = port.get("containerPort")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 65535:
            raise _fail(
                document,
                port.line,
                f"{where}.containerPort",
                f"Expected a port number from 1 to 65535, found {number!r}.",
            )
    env = container.get("env")
    if env is not None and not isinstance(env, list):
        raise _fail(document, container.line, f"{prefix}.env", "Expected a list of variables.")
    for index, variable in enumerate(env or []):
        variable = _mapping(variable, document, container.line, f"{prefix}.env[{index}]")
        if not isinstance(variable.get("name"), str):
            raise _fail(
                document,
                variable.line,
                f"{prefix}.env[{index}].name",
                "Each variable needs a `name` (a string).",
            )


def read_workload(document: ManifestDocument) -> Workload:
    """The parts of a workload the draft uses, checked for shape."""
    data = document.data
    metadata = _mapping(data.get("metadata"), document, data.line, "metadata")
    if not isinstance(metadata.get("name"), str) or not metadata["name"]:
        raise _fail(document, data.line, "metadata.name", "Every workload needs a name.")
    spec = _mapping(data.get("spec"), document, data.line, "spec")
    prefix = "spec"
    if document.kind == "CronJob":
        job = _mapping(spec.get("jobTemplate"), document, spec.line, "spec.jobTemplate")
        spec = _mapping(job.get("spec"), document, job.line, "spec.jobTemplate.spec")
        prefix = "spec.jobTemplate.spec"
    workload = Workload(document)
    replicas = spec.get("replicas", 1)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise _fail(
            document,
            spec.line,
            f"{prefix}.replicas",
            f"Expected a whole number, found {replicas!r}.",
        )
    workload.replicas = max(replicas, 1)
    template = _mapping(spec.get("template"), document, spec.line, f"{prefix}.template")
    template_meta = _mapping(
        template.get("metadata"), document, template.line, f"{prefix}.template.metadata"
    )
    labels = _mapping(
        template_meta.get("labels"),
        document,
        template_meta.line,
        f"{prefix}.template.metadata.labels",
    )
    workload.pod_labels = {str(k): str(v) for k, v in labels.items()}
    pod = _mapping(template.get("spec"), document, template.line, f"{prefix}.template.spec")
    prefix = f"{prefix}.template.spec.containers"
    containers = pod.get("containers") or []
    if not isinstance(containers, list):
        raise _fail(
            document, pod.line, prefix, f"Expected a list of containers, found {containers!r}."
        )
    for index, container in enumerate(containers):
        if not isinstance(container, Located):
            raise _fail(
                document,
                pod.line,
                f"{prefix}[{index}]",
                f"Expected a container (a mapping with `name` and `image`), found {container!r}.",
            )
        _check_container(container, document, f"{prefix}[{index}]")
    if containers:
        first = containers[0]
        workload.container = first
        workload.command = _strings(
            first.get("command"), document, first.line, f"{prefix}[0].command"
        )
        workload.args = _strings(first.get("args"), document, first.line, f"{prefix}[0].args")
        workload.other_containers = [str(c.get("name")) for c in containers[1:]]
    workload.init_commands = _init_commands(pod, document, prefix.rsplit(".", 1)[0])
    _classify(workload)
    return workload


def _init_commands(pod: Located, document: ManifestDocument, prefix: str) -> list[str]:
    """The command line (command, then args) of each of the pod's initContainers."""
    at = f"{prefix}.initContainers"
    found = pod.get("initContainers") or []
    if not isinstance(found, list):
        raise _fail(document, pod.line, at, f"Expected a list of containers, found {found!r}.")
    commands = []
    for index, container in enumerate(found):
        container = _mapping(container, document, pod.line, f"{at}[{index}]")
        words = [
            *_strings(container.get("command"), document, container.line, f"{at}[{index}].command"),
            *_strings(container.get("args"), document, container.line, f"{at}[{index}].args"),
        ]
        commands.append(" ".join(words))
    return commands


def _load_tool(workload: Workload) -> str | None:
    words = [*image_words(workload.image), *re.split(r"[^a-z0-9]+", workload.name.lower())]
    run = " ".join([*workload.command, *workload.args]).lower()
    run_words = re.split(r"[^a-z0-9]+", run)
    first = run.split()[0].rsplit("/", 1)[-1] if run.split() else ""
    for tool in LOAD_TOOLS:
        # `hey` is a common word: only as the image or the program itself
        if tool in words or (tool != "hey" and tool in run_words) or first == tool:
            return tool
    return None


def _classify(workload: Workload) -> None:
    kind = workload.document.kind
    workload.load_tool = _load_tool(workload)
    if workload.load_tool is not None:
        workload.left_out = (
            f"a load generator ({workload.load_tool}): it becomes the load, not a service"
        )
    elif kind in RUN_TO_COMPLETION_KINDS:
        workload.left_out = f"a {kind} runs to completion: not a service"
    elif workload.container is None:
        workload.left_out = "no container"
    elif not workload.image and not workload.command:
        workload.left_out = "its container has neither an image nor a command"


def find_workloads(documents: list[ManifestDocument]) -> list[Workload]:
    return [read_workload(d) for d in documents if d.kind in WORKLOAD_KINDS]
