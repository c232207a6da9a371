"""How a dependency's address is written in its caller's environment, and that address rewritten
to the edge's proxy in the same form.

A team's services read their dependencies in many forms: `http://cart:8080/api`, `cart:7070` (the
gRPC convention), `redis://:secret@redis:6379/0`, or a host and a port in two variables. A
dependency in system.yaml says the form of its main variable (`address`) and of any other
variable that names the same callee (`also`), as templates with `{host}` and `{port}`. Every
platform fills them with its edge proxy's host and port, so the caller reaches its callee
through the proxy without knowing it, whatever form it reads.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.system import DependencySpec, SystemSpec

DEFAULT_ADDRESS = "http://{host}:{port}"
PLACEHOLDERS = ("host", "port")


def template_problem(template: str) -> str | None:
    """Why `template` is not a valid address template, or None when it is: only `{host}` and
    `{port}` may be filled in (`{{` and `}}` are literal braces), and at least one of them."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return f"`{template}` is not a template ({exc}); write a literal brace as `{{{{` or `}}}}`"
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            return (
                f"`{{{name}}}` in `{template}` is not a placeholder (or has a format); expected "
                "only `{host}` and `{port}` (the edge proxy's host and port)"
            )
    if not fields:
        return (
            f"`{template}` names neither `{{host}}` nor `{{port}}`; expected the form the "
            'variable takes, such as "{host}:{port}" or "redis://{host}:{port}/0"'
        )
    return None


def check_template(template: str) -> str:
    """A pydantic validator: the template itself, or a ValueError saying what is wrong."""
    problem = template_problem(template)
    if problem is not None:
        raise ValueError(problem)
    return template


def fill(template: str, host: str, port: int) -> str:
    return template.format(host=host, port=port)


def dependency_environment(spec: DependencySpec, host: str, port: int) -> dict[str, str]:
    """Every variable of one dependency → its value, pointing at the edge proxy at `host:port`
    in the form the caller reads (the main variable first); none for a dependency reached by its
    host name, which the platform points at the proxy instead."""
    if spec.env is None:
        return {}
    values = {spec.env: fill(spec.address, host, port)}
    values.update(
        {variable: fill(template, host, port) for variable, template in spec.also.items()}
    )
    return values


def dialed_address(system: SystemSpec, edge_name: str) -> str:
    """`<host_name>:<callee's port>`: what the caller of a host-named edge dials, where a
    container platform points that name at the edge's proxy."""
    edge = system.edge(edge_name)
    host_name = system.services[edge.caller].dependencies[edge.callee].host_name
    return f"{host_name}:{system.services[edge.callee].port}"


def split_listen(listen: str) -> tuple[str, int]:
    """`127.0.0.1:31234` (a Toxiproxy proxy's listen address) → host and port."""
    host, _, port = listen.rpartition(":")
    return host, int(port)
