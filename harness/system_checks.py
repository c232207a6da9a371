"""The checks of a system file that span its services: every name it refers to exists, no
variable carries two addresses, one promise per route, no port shared where replicas share the
host, no cycle, and the reconciliation relations name real services. Each problem is raised as a
`SystemSpecError` naming the file, the line and the field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.errors import SystemSpecError
from harness.reconcile_spec import relation_problems
from harness.yaml_source import YamlSource, dotted

if TYPE_CHECKING:
    from harness.system import SystemSpec


def cross_check(source: YamlSource, spec: SystemSpec) -> None:
    _check_references(source, spec)
    _check_dependency_variables(source, spec)
    _check_host_names(source, spec)
    _check_promises(source, spec)
    _check_ports(source, spec)
    _check_cycles(source, spec)
    for field_path, message in relation_problems(spec.reconcile, list(spec.services))[:1]:
        raise _fail(source, ("reconcile", *field_path), message)


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
            variables = [dep_spec.env] if dep_spec.env else []
            for variable in (*variables, *dep_spec.also):
                if variable in owner:
                    raise _fail(
                        source,
                        ("services", service, "dependencies", dependency),
                        f"`{variable}` already carries the address of `{owner[variable]}`; "
                        "expected each variable to name one dependency.",
                    )
                owner[variable] = dependency


def _check_host_names(source: YamlSource, spec: SystemSpec) -> None:
    # a caller's host names all resolve to its edges' proxies, each listening on its callee's
    # port there: two names dialed on one port would need one listener for two edges
    for service, service_spec in spec.services.items():
        dialed: dict[int, str] = {}
        for dependency, dep_spec in service_spec.dependencies.items():
            if not dep_spec.by_host_name or dependency not in spec.services:
                continue
            port = spec.services[dependency].port
            if port in dialed:
                raise _fail(
                    source,
                    ("services", service, "dependencies", dependency, "host_name"),
                    f"`{service}` dials `{dialed[port]}` and `{dependency}` by host name on the "
                    f"same port {port}; Firebreak gives a caller one listener per port for the "
                    "names it dials, so expected their ports to differ (or give one of them a "
                    "variable, `env`).",
                )
            dialed[port] = dependency


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
    # local replicas share the host's ports; an image-only service runs only in a container or a
    # pod, each with an address of its own, so its port (the one its image listens on) may be
    # any other service's too
    owner_of_port: dict[int, str] = {}
    for service, service_spec in spec.services.items():
        if service_spec.image_only:
            continue
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
