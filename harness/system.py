"""A system under test, as described by its `system.yaml`.

The format is not specific to the sample system: any service in any language that listens on the
port in `PORT`, serves a health path and reads its dependencies' URLs from environment variables
can be described and run, unchanged. See docs/contracts.md.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

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
from harness.edge_protocol import PROTOCOLS, protocol_of_address
from harness.errors import SystemSpecError
from harness.reconcile_spec import Relations
from harness.service_contract import (
    DEFAULT_DEGRADED_RULE,
    DegradedRule,
    EndpointPromise,
    MetricNames,
    MetricsMapping,
)
from harness.system_checks import cross_check
from harness.yaml_source import load_yaml, validate_model

SERVICE_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,40}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
LOAD_CALLER = "load"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HealthPaths(_Strict):
    """How a replica shows it is alive and ready: HTTP paths that answer 200, or (`tcp: true`)
    a TCP connection accepted, for what answers no HTTP (a data store, a gRPC server)."""

    live: str = "/health/live"
    ready: str = "/health/ready"
    tcp: bool = False

    @model_validator(mode="after")
    def _paths_or_tcp(self) -> HealthPaths:
        given = sorted({"live", "ready"} & self.model_fields_set)
        if self.tcp and given:
            raise ValueError(
                f"`tcp: true` checks that a connection is accepted, so {' and '.join(given)} "
                "(HTTP paths) cannot be checked too; expected either `tcp: true` or the paths"
            )
        return self

    @property
    def ready_path(self) -> str | None:
        """The HTTP path readiness asks, or None where readiness is a TCP connection."""
        return None if self.tcp else self.ready

    @property
    def live_path(self) -> str | None:
        return None if self.tcp else self.live


class RetryPolicy(_Strict):
    """How a caller retries one dependency, as its team configured it: the attempts it may make
    for one call (the first included). Declared, it bounds the retry amplification the run
    judges on that edge (docs/scenarios.md, "Retry amplification")."""

    attempts: Annotated[int, Field(ge=1, le=100)]


EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN)]
# a variable's form, with the edge proxy's `{host}` and `{port}` (harness/dependency_address.py)
AddressTemplate = Annotated[str, AfterValidator(check_template)]
# a DNS name a caller dials (RFC 1123 labels), such as `redis` or `db.internal`
HOST_NAME_PATTERN = re.compile(
    r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)


def _check_host_name(value: str) -> str:
    if len(value) > 253 or not HOST_NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"`{value}` is not a host name; expected lower-case letters, digits and hyphens in "
            "dot-separated labels that start and end with a letter or digit (`redis`, "
            "`db.internal`), as the caller dials it"
        )
    return value


HostName = Annotated[str, AfterValidator(_check_host_name)]


class DependencySpec(_Strict):
    """How a caller reaches one callee: through a variable holding its address (`env`, in the
    form `address` says, and any `also`), or (`host_name`) by a name written in its code or in a
    fixed value, which only a container platform can point at the edge's proxy (each caller's
    containers or pods resolve that name to their own edge; docs/contracts.md)."""

    env: EnvName | None = None  # the main variable
    address: AddressTemplate = DEFAULT_ADDRESS  # its form
    also: dict[EnvName, AddressTemplate] = {}  # other variables naming the same callee
    # the host name the caller dials, where no variable holds the address (`redis`, `db`); it
    # dials the callee's own `port` there
    host_name: HostName | None = None
    optional: bool = False
    retries: RetryPolicy | None = None
    # http | grpc | tcp (harness/edge_protocol.py); None: read from `address` once validated
    # (`tcp` for a dependency reached by `host_name`, whose form nothing says)
    protocol: str | None = None

    @field_validator("protocol")
    @classmethod
    def _known_protocol(cls, value: str | None) -> str | None:
        if value is not None and value not in PROTOCOLS:
            raise ValueError(
                f"`{value}` is not a protocol; expected one of "
                + ", ".join(f"`{p}`" for p in PROTOCOLS)
                + " (`grpc` for HTTP/2 gRPC, `tcp` for a data store or any other protocol)"
            )
        return value

    @model_validator(mode="after")
    def _env_once(self) -> DependencySpec:
        if (self.env is None) == (self.host_name is None):
            raise ValueError(
                "expected `env` (the variable that holds the callee's address) or `host_name` "
                "(the name the caller dials, written in its code), exactly one of them"
            )
        if self.host_name is not None:
            given = sorted({"address", "also"} & self.model_fields_set)
            if given:
                raise ValueError(
                    f"{' and '.join(f'`{g}`' for g in given)} describe variables, and this "
                    f"dependency is reached by its host name `{self.host_name}`; expected "
                    "`env` with them, or `host_name` without them"
                )
        if self.protocol is None:
            # frozen: set once, here, so every reader sees the protocol the address implies
            implied = "tcp" if self.host_name else protocol_of_address(self.address)
            object.__setattr__(self, "protocol", implied)
        if self.env is not None and self.env in self.also:
            raise ValueError(
                f"`{self.env}` is this dependency's `env` and is in `also` too; expected it once"
            )
        return self

    @property
    def by_host_name(self) -> bool:
        """Whether the caller dials a fixed name, not a variable Firebreak can rewrite."""
        return self.host_name is not None


class BuildSpec(_Strict):
    context: str = "."
    dockerfile: str = "Dockerfile"


class ServiceSpec(_Strict):
    # None: the image's own entrypoint and command run it (Docker and Kubernetes only)
    command: Annotated[list[str], Field(min_length=1)] | None = None
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
    # `otlp`: it sends OpenTelemetry traces where OTEL_EXPORTER_OTLP_ENDPOINT says (docs/traces.md)
    traces: Literal["otlp"] | None = None

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics_switch(cls, value: object) -> object:
        if value is False:
            return None
        return {} if value is True else value

    def metric_names(self) -> MetricNames | None:
        """The metric names to scrape, or None for a service that exports no metrics. A
        service whose port answers no HTTP (`health: {tcp: true}`: a data store, a gRPC server)
        is not scraped unless its `metrics:` is written out: the default preset's `/metrics`
        would only fail there."""
        if self.metrics is None or (self.health.tcp and "metrics" not in self.model_fields_set):
            return None
        return self.metrics.names()

    @model_validator(mode="after")
    def _command_or_image(self) -> ServiceSpec:
        if self.command is None and self.image is None:
            raise ValueError(
                "expected `command` (what starts one replica) or `image` (an image whose own "
                "entrypoint runs it, on Docker and Kubernetes); this service has neither"
            )
        return self

    @property
    def image_only(self) -> bool:
        """Whether it runs as its image's own entrypoint: no command, so no local process."""
        return self.command is None

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
        command = self.services[service].command
        if command is None:
            raise SystemSpecError(
                f"`{service}` has no `command`: it runs only as its image "
                f"(`{self.services[service].image}`), on `--platform docker` or `kubernetes`.",
                path=str(self.path),
                field=f"services.{service}.command",
            )
        return [part.replace("{python}", sys.executable) for part in command]

    def host_named_edges(self) -> list[Edge]:
        """The edges whose caller dials its callee by a fixed host name (`host_name`)."""
        return [
            Edge(caller, callee)
            for caller, spec in self.services.items()
            for callee, dependency in spec.dependencies.items()
            if dependency.by_host_name
        ]

    def traced_services(self) -> list[str]:
        """The services that send OpenTelemetry traces (`traces: otlp`)."""
        return [name for name, spec in self.services.items() if spec.traces]

    def image_only_services(self) -> list[str]:
        """The services without a command, which only Docker and Kubernetes can run."""
        return [name for name, spec in self.services.items() if spec.image_only]

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
    cross_check(source, spec)
    spec._path = path.resolve()
    return spec


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
