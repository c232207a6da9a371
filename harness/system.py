"""A system under test, as described by its `system.yaml`.

The format is not specific to the sample system: any service in any language that listens on the
port in `PORT`, serves a health path and reads its dependencies' URLs from environment variables
can be described and run, unchanged. See docs/contracts.md.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from harness.dependency_address import DEFAULT_ADDRESS, check_template
from harness.errors import SystemSpecError
from harness.reconcile_spec import Relations, relation_problems
from harness.service_contract import (
    DEFAULT_DEGRADED_RULE,
    DegradedRule,
    EndpointPromise,
    MetricNames,
    MetricsMapping,
)
from harness.yaml_source import YamlSource, dotted, load_yaml, validate_model

SERVICE_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,40}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
LOAD_CALLER = "load"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HealthPaths(_Strict):
    live: str = "/health/live"
    ready: str = "/health/ready"


class RetryPolicy(_Strict):
    """How a caller retries one dependency, as its team configured it: the attempts it may make
    for one call (the first included). Declared, it bounds the retry amplification the run
    judges on that edge (docs/scenarios.md, "Retry amplification")."""

    attempts: Annotated[int, Field(ge=1, le=100)]


EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN)]
# a variable's form, with the edge proxy's `{host}` and `{port}` (harness/dependency_address.py)
AddressTemplate = Annotated[str, AfterValidator(check_template)]


class DependencySpec(_Strict):
    env: EnvName  # the main variable
    address: AddressTemplate = DEFAULT_ADDRESS  # its form
    also: dict[EnvName, AddressTemplate] = {}  # other variables naming the same callee
    optional: bool = False
    retries: RetryPolicy | None = None

    @model_validator(mode="after")
    def _env_once(self) -> DependencySpec:
        if self.env in self.also:
            raise ValueError(
                f"`{self.env}` is this dependency's `env` and is in `also` too; expected it once"
            )
        return self


class BuildSpec(_Strict):
    context: str = "."
    dockerfile: str = "Dockerfile"


class ServiceSpec(_Strict):
    command: Annotated[list[str], Field(min_length=1)]
    workdir: str | None = None
    port: Annotated[int, Field(ge=1, le=65535)]
    # the variable a replica reads its own port from (SERVER_PORT for Spring Boot, say)
    port_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)] = "PORT"
    replicas: Annotated[int, Field(ge=1, le=64)] = 1
    health: HealthPaths = HealthPaths()
    build: BuildSpec | None = None
    image: str | None = None
    env: dict[str, str] = {}
    # a POST path taking {"keys": [...]} of accepted writes; answers what is missing or doubled
    integrity: str | None = None
    dependencies: dict[Annotated[str, Field(pattern=SERVICE_NAME_PATTERN)], DependencySpec] = {}
    # optional, see harness/service_contract.py: declared promises are judged whether or not the
    # service publishes `/promise`; `metrics: false` says it exports none
    promises: list[EndpointPromise] = []
    metrics: MetricsMapping | None = MetricsMapping()
    degraded: DegradedRule = DEFAULT_DEGRADED_RULE

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics_switch(cls, value: object) -> object:
        if value is False:
            return None
        return {} if value is True else value

    def metric_names(self) -> MetricNames | None:
        """The metric names to scrape, or None for a service that exports no metrics."""
        return self.metrics.names() if self.metrics is not None else None

    def counts_attempts(self) -> bool:
        """Whether its metrics count calls and attempts per dependency (the sample toolkit's
        `dependency_*` families); without them its retries are judged from the edge."""
        names = self.metric_names()
        return names is not None and names.dependencies


class SystemSpec(_Strict):
    name: Annotated[str, Field(min_length=1)]
    entrypoint: str
    locustfile: str | None = None
    services: dict[Annotated[str, Field(pattern=SERVICE_NAME_PATTERN)], ServiceSpec] = Field(
        min_length=1
    )
    # what each accepted write leaves in each service that takes part (harness/reconcile_spec.py)
    reconcile: Relations = {}
    _path: Path = PrivateAttr(default=Path("system.yaml"))

    @property
    def path(self) -> Path:
        """The file this system was read from."""
        return self._path

    @property
    def folder(self) -> Path:
        return self._path.parent

    def workdir_of(self, service: str) -> Path:
        workdir = self.services[service].workdir
        return (self.folder / workdir).resolve() if workdir else self.folder.resolve()

    def command_of(self, service: str) -> list[str]:
        """The service's command with `{python}` replaced by the harness's own interpreter."""
        return [part.replace("{python}", sys.executable) for part in self.services[service].command]

    def locustfile_path(self) -> Path | None:
        return (self.folder / self.locustfile).resolve() if self.locustfile else None

    def edges(self) -> list[Edge]:
        """Every dependency edge, front door first, then callers and callees in file order."""
        found = [Edge(LOAD_CALLER, self.entrypoint)]
        for caller, spec in self.services.items():
            found.extend(Edge(caller, callee) for callee in spec.dependencies)
        return found

    def edge(self, name: str) -> Edge:
        for edge in self.edges():
            if edge.name == name:
                return edge
        valid = ", ".join(f"`{e.name}`" for e in self.edges())
        raise KeyError(f"There is no edge `{name}` in system `{self.name}`; valid edges: {valid}.")

    def edges_into(self, service: str) -> list[Edge]:
        return [edge for edge in self.edges() if edge.callee == service]


@dataclass(frozen=True)
class Edge:
    """One caller→callee dependency; every edge runs through its own Toxiproxy proxy."""

    caller: str
    callee: str

    @property
    def name(self) -> str:
        return f"{self.caller}->{self.callee}"

    @property
    def proxy_name(self) -> str:
        # `>` would need escaping in Toxiproxy's URL paths; this name needs none
        return f"{self.caller}_to_{self.callee}"

    @property
    def is_front_door(self) -> bool:
        return self.caller == LOAD_CALLER


def load_system(path: Path | str) -> SystemSpec:
    """Read, validate and cross-check a system file; any problem raises `SystemSpecError`."""
    path = Path(path)
    source = load_yaml(path, SystemSpecError)
    spec = validate_model(source, SystemSpec, SystemSpecError)
    _check_references(source, spec)
    _check_dependency_variables(source, spec)
    _check_promises(source, spec)
    _check_ports(source, spec)
    _check_cycles(source, spec)
    for field_path, message in relation_problems(spec.reconcile, list(spec.services))[:1]:
        raise _fail(source, ("reconcile", *field_path), message)
    spec._path = path.resolve()
    return spec


def _fail(source: YamlSource, field_path: tuple[str | int, ...], message: str) -> SystemSpecError:
    return SystemSpecError(
        message, path=str(source.path), line=source.line_of(field_path), field=dotted(field_path)
    )


def _check_references(source: YamlSource, spec: SystemSpec) -> None:
    names = list(spec.services)
    valid = ", ".join(f"`{n}`" for n in names)
    if spec.entrypoint not in spec.services:
        raise _fail(
            source,
            ("entrypoint",),
            f"The entrypoint `{spec.entrypoint}` is not a service of this system; "
            f"expected one of {valid}.",
        )
    for service, service_spec in spec.services.items():
        for dependency in service_spec.dependencies:
            if dependency not in spec.services:
                raise _fail(
                    source,
                    ("services", service, "dependencies", dependency),
                    f"`{service}` depends on `{dependency}`, which is not a service of this "
                    f"system; expected one of {valid}.",
                )
            if dependency == service:
                raise _fail(
                    source,
                    ("services", service, "dependencies", dependency),
                    f"`{service}` cannot depend on itself.",
                )


def _check_dependency_variables(source: YamlSource, spec: SystemSpec) -> None:
    # two edges writing one variable: the caller would reach only one of them, unsaid
    for service, service_spec in spec.services.items():
        owner: dict[str, str] = {}
        for dependency, dep_spec in service_spec.dependencies.items():
            for variable in (dep_spec.env, *dep_spec.also):
                if variable in owner:
                    raise _fail(
                        source,
                        ("services", service, "dependencies", dependency),
                        f"`{variable}` already carries the address of `{owner[variable]}`; "
                        "expected each variable to name one dependency.",
                    )
                owner[variable] = dependency


def _check_promises(source: YamlSource, spec: SystemSpec) -> None:
    for service, service_spec in spec.services.items():
        seen: dict[str, int] = {}
        for index, promise in enumerate(service_spec.promises):
            if promise.label in seen:
                raise _fail(
                    source,
                    ("services", service, "promises", index, "route"),
                    f"`{promise.label}` is already promised by promises[{seen[promise.label]}]; "
                    "expected one promise per method and route.",
                )
            seen[promise.label] = index
            for dependency in promise.on_dependency_failure:
                if dependency not in service_spec.dependencies:
                    valid = ", ".join(f"`{d}`" for d in service_spec.dependencies) or "none"
                    raise _fail(
                        source,
                        (
                            "services",
                            service,
                            "promises",
                            index,
                            "on_dependency_failure",
                            dependency,
                        ),
                        f"`{dependency}` is not a dependency of `{service}`; expected one of "
                        f"its dependencies ({valid}).",
                    )


def _check_ports(source: YamlSource, spec: SystemSpec) -> None:
    owner_of_port: dict[int, str] = {}
    for service, service_spec in spec.services.items():
        other = owner_of_port.get(service_spec.port)
        if other is not None:
            raise _fail(
                source,
                ("services", service, "port"),
                f"Port {service_spec.port} is already the port of `{other}`; "
                "expected a port no other service uses.",
            )
        owner_of_port[service_spec.port] = service


def _check_cycles(source: YamlSource, spec: SystemSpec) -> None:
    # depth-first search with colours; a grey node met again closes a cycle
    colour: dict[str, str] = {name: "white" for name in spec.services}
    trail: list[str] = []

    def visit(name: str) -> None:
        colour[name] = "grey"
        trail.append(name)
        for dependency in spec.services[name].dependencies:
            if colour[dependency] == "grey":
                cycle = [*trail[trail.index(dependency) :], dependency]
                raise _fail(
                    source,
                    ("services", name, "dependencies", dependency),
                    "The dependencies form a cycle ("
                    + " -> ".join(cycle)
                    + "); expected a graph without cycles, because a cycle cannot be started "
                    "in order and hides where a failure starts.",
                )
            if colour[dependency] == "white":
                visit(dependency)
        trail.pop()
        colour[name] = "black"

    for name in spec.services:
        if colour[name] == "white":
            visit(name)


def start_order(spec: SystemSpec) -> list[str]:
    """Services ordered so that every dependency starts before its callers."""
    ordered: list[str] = []
    seen: set[str] = set()

    def place(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dependency in spec.services[name].dependencies:
            place(dependency)
        ordered.append(name)

    for name in spec.services:
        place(name)
    return ordered


def default_system_path() -> Path:
    """`sample_system/system.yaml` under the current folder, else the installed sample system."""
    local = Path.cwd() / "sample_system" / "system.yaml"
    if local.is_file():
        return local
    import sample_system

    return Path(sample_system.__file__).resolve().parent / "system.yaml"
