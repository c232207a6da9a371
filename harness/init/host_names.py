"""Dependencies a caller reaches by a host name written in its code, not in a variable.

Compose's `depends_on` and `links` say a service needs another one; when no variable of the
caller names it (harness/init/addresses.py), the caller dials it by name: the Compose service
name, or a link's alias (`links: [db:database]` dials `database`). Such an edge is drafted as
`host_name:` (harness/system.py `DependencySpec`), which only a container platform can point at
the edge's proxy: the local platform refuses it, and init says so.

Its protocol is what the callee speaks, from what init knows of it: a data store speaks its own
protocol over TCP, a service probed with gRPC's health protocol speaks gRPC, a service with an
HTTP health check, or one built from source, HTTP; anything else is TCP, which a fault on
connections covers whatever it speaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError

from harness.init.addresses import callee_of_host
from harness.init.entrypoint import is_data_store
from harness.system import HostName

if TYPE_CHECKING:
    from harness.init.compose_file import ComposeProject
    from harness.init.draft import ServiceDraft, SystemDraft

CONTAINER_ONLY = "runs on docker or kubernetes only"
HOST_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_HOST_NAME: TypeAdapter[str] = TypeAdapter(HostName)


@dataclass(frozen=True)
class HostNamed:
    """A dependency reached by name: the name dialed, the protocol, and what said it is one."""

    host_name: str
    protocol: str  # http | grpc | tcp
    signal: str  # "depends_on `redis`", "links `db:database`", "an initContainer waits for `db`"


@dataclass(frozen=True)
class Needed:
    """One callee a caller's description names: the callee's raw name, the host name the caller
    resolves it by, and the words that say so."""

    callee: str
    host_name: str
    signal: str


def compose_needs(
    project: ComposeProject, raw_name: str, depends_on: Sequence[str]
) -> list[Needed]:
    """The services one Compose service needs, by `links` (whose alias is the name it dials)
    and then by `depends_on` (the service name), each callee once: a link's alias wins."""
    links = project.services[raw_name].get("links") or []
    if not isinstance(links, list):
        raise project.error(
            raw_name, ("links",), "expected a list of `SERVICE` or `SERVICE:ALIAS`."
        )
    needed: dict[str, Needed] = {}
    for index, link in enumerate(links):
        if not isinstance(link, str) or not link.strip() or link.count(":") > 1:
            raise project.error(
                raw_name,
                ("links", index),
                f"`{link}` is not a link; expected `SERVICE` or `SERVICE:ALIAS`.",
            )
        callee, _, alias = link.strip().partition(":")
        if callee in project.left_out:
            continue  # in a profile that is off: not started, as `docker compose up` does
        if callee not in project.services:
            known = ", ".join(f"`{n}`" for n in project.services)
            raise project.error(
                raw_name,
                ("links", index),
                f"`{callee}` is not a service here; expected one of {known}.",
            )
        needed.setdefault(callee, Needed(callee, alias or callee, f"links `{link.strip()}`"))
    for callee in depends_on:
        needed.setdefault(callee, Needed(callee, callee, f"depends_on `{callee}`"))
    return list(needed.values())


def waited_for(commands: Sequence[str], hosts: dict[str, str]) -> list[Needed]:
    """The services an initContainer's command line names (`until nc -z db 5432`, `nslookup
    redis-cart`, `wait-for-it api:8080`): each word that is a name a service answers to (`hosts`,
    as harness/init/addresses.py resolves them), in order, each service once."""
    needed: dict[str, Needed] = {}
    for command in commands:
        for word in HOST_WORD.findall(command):
            callee = callee_of_host(word.lower(), hosts)
            if callee is not None and callee not in needed:
                needed[callee] = Needed(callee, word, f"an initContainer waits for `{word}`")
    return list(needed.values())


def edge_protocol(callee: ServiceDraft, built: bool) -> tuple[str, str]:
    """(protocol, why) of an edge to `callee`; `built`: it is built from source."""
    if is_data_store(callee.name, callee.image):
        return "tcp", "a data store"
    if callee.speaks_grpc:
        return "grpc", "its health is gRPC's"
    if callee.ready_path is not None:
        return "http", "it has an HTTP health check"
    if built:
        return "http", "it is built from source here (confirm it serves HTTP)"
    return "tcp", "nothing says what it speaks"


def add_host_named(
    draft: SystemDraft,
    needs: dict[str, list[Needed]],
    names: dict[str, str],
    built: Iterable[str] = (),
) -> None:
    """Each callee in `needs` (caller → what it needs) that no variable of the caller names
    becomes a dependency by host name. `names`: each raw name → its draft service name."""
    built = set(built)
    for caller, wanted in needs.items():
        service = draft.services.get(caller)
        for need in wanted if service is not None else []:
            callee = names.get(need.callee)
            if callee is None or callee not in draft.services or callee == caller:
                continue  # left out of the draft: a dependency on it stays inside the caller
            if callee in service.dependencies or callee in service.host_names:
                continue  # a variable holds its address: the edge goes through it
            host = need.host_name.lower()  # DNS names are case-insensitive
            try:
                _HOST_NAME.validate_python(host)
            except ValidationError:
                service.notes.append(
                    f"{need.signal} and no variable holds its address: it dials `{need.host_name}`"
                    ", which is no DNS host name system.yaml accepts (letters, digits, dashes, "
                    "dots): not an edge; give it a variable to make it one"
                )
                continue
            protocol, why = edge_protocol(draft.services[callee], callee in built)
            service.host_names[callee] = HostNamed(host, protocol, need.signal)
            service.notes.append(
                f"{need.signal} and no variable holds its address: it dials `{host}` by name "
                f"(`host_name: {host}`, protocol {protocol}: {why}; {CONTAINER_ONLY}; confirm)"
            )


def drop_colliding_host_names(draft: SystemDraft) -> None:
    """A caller dials each name on its callee's port, and one port can hold one of them
    (harness/system_checks.py `_check_host_names`): the first kept, each later one left out.
    Run once every port is final."""
    for service in draft.services.values():
        dialed: dict[int | None, str] = {}
        for callee, named in list(service.host_names.items()):
            port = draft.services[callee].port
            if port not in dialed:
                dialed[port] = callee
                continue
            del service.host_names[callee]
            service.notes.append(
                f"{named.signal}: not an edge, as it would dial `{named.host_name}` on port "
                f"{port}, where it dials `{service.host_names[dialed[port]].host_name}` already; "
                "a caller's host names each need a port of their own (give one of them a "
                "variable, `env`, to keep both edges)"
            )


def host_named_summary(draft: SystemDraft) -> list[str]:
    """The draft-wide note on the edges reached by name, which decide where it can run."""
    edges = [
        f"{caller} → {callee}"
        for caller, service in draft.services.items()
        for callee in service.host_names
    ]
    if not edges:
        return []
    return [
        f"{len(edges)} edge(s) are reached by host name ({', '.join(edges)}): they need "
        "`--platform docker` or `--platform kubernetes` (the local platform refuses them)"
    ]
