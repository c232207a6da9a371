"""Which environment variables of a service name another service, and in which form.

A team writes a dependency's address the way its client library reads it: a URL
(`http://cart:8080/api`), a `host:port` pair (`CART_ADDR=cart:7070`, the gRPC convention), a host
and a port in two variables (`REDIS_HOST` + `REDIS_PORT`), or a connection string
(`postgres://shop:secret@db:5432/shop?sslmode=disable`). Each becomes an edge whose variables keep
their form, as templates with `{host}` and `{port}` (harness/dependency_address.py): at run time
the platform writes its edge proxy's host and port into the same shape. Telemetry endpoints are
recorded, never edges: an exporter's traffic is not a call the system's promises rest on. Every
variable that looks like an address and is not made an edge is said, with why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from harness.dependency_address import DEFAULT_ADDRESS

if TYPE_CHECKING:
    from harness.init.draft import SystemDraft

EDGE = "edge"
TELEMETRY = "telemetry"
NOT_AN_EDGE = "not an edge"

# exporters and collectors: OpenTelemetry's variables, Jaeger's, Zipkin's, any *COLLECTOR*
TELEMETRY_VARIABLE = re.compile(r"^OTEL_|COLLECTOR|JAEGER|ZIPKIN", re.IGNORECASE)
TELEMETRY_HOST = re.compile(
    r"jaeger|zipkin|collector|opentelemetry|(^|[-_])(otel|tempo)([-_]|$)", re.IGNORECASE
)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::", "::1", "host.docker.internal"}
HOST_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9_-]+)*"
HOST_PORT = re.compile(rf"^(?P<host>{HOST_NAME}):(?P<port>\d{{1,5}})(?P<path>/\S*)?$")
BARE_HOST = re.compile(rf"^{HOST_NAME}$")
SCHEME_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<netloc>[^/?#]*)(?P<rest>.*)$")
HOST_VARIABLE = re.compile(r"^(?P<prefix>[A-Za-z0-9_]+?)_(?:HOST|HOSTNAME)$")
IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@dataclass(frozen=True)
class AddressForm:
    """One value's address: the host and port it names and the value as a template."""

    host: str
    port: int | None
    template: str  # the value with `{host}` and `{port}` where the host and port were
    kind: str  # "URL", "host:port", "connection string", "host"


@dataclass(frozen=True)
class Finding:
    """What init made of one variable (or of a `*_HOST` + `*_PORT` pair)."""

    variable: str
    value: str
    verdict: str  # EDGE, TELEMETRY or NOT_AN_EDGE
    callee: str | None = None
    # every variable of this finding → its template (for an edge: the main variable first)
    forms: dict[str, str] = field(default_factory=dict)
    note: str = ""


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _url_form(value: str) -> AddressForm | str | None:
    """A `scheme://[user[:password]@]host[:port][/path][?query]` value, or why it cannot be an
    edge (several hosts, a DNS SRV name), or None when it is no URL."""
    match = SCHEME_URL.match(value)
    if match is None:
        return None
    scheme, netloc, rest = match["scheme"], match["netloc"], match["rest"]
    userinfo, _, hostport = netloc.rpartition("@")
    if not hostport:
        return None  # file:///path, unix:///socket: no host
    if "," in hostport:
        return f"names several hosts ({hostport}), and an edge is one proxy to one service"
    if scheme.lower().endswith("+srv"):
        return f"is a DNS SRV address (`{scheme}://`), which cannot point at a proxy"
    parts = urlsplit(f"//{hostport}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return f"has a port that is not a number ({hostport})"
    if not host:
        return None
    user = f"{_escape(userinfo)}@" if match["netloc"].count("@") else ""
    template = f"{_escape(scheme)}://{user}{{host}}:{{port}}{_escape(rest)}"
    kind = "URL" if scheme.lower() in ("http", "https") else "connection string"
    return AddressForm(host, port, template, kind)


def address_form(value: str) -> AddressForm | str | None:
    """The address in one value (a URL, a connection string or `host:port`), a sentence saying
    why an address-like value cannot be an edge, or None for a value that is no address."""
    value = value.strip()
    url = _url_form(value)
    if url is not None:
        return url
    if "," in value and all(HOST_PORT.match(part.strip()) for part in value.split(",")):
        return f"names several hosts ({value}), and an edge is one proxy to one service"
    match = HOST_PORT.match(value)
    # `10:30` is a time, not a host: a host has a letter or is a dotted IPv4 address
    if match is None or not (re.search(r"[A-Za-z]", match["host"]) or IPV4.match(match["host"])):
        return None
    path = _escape(match["path"] or "")
    return AddressForm(
        match["host"].lower(), int(match["port"]), "{host}:{port}" + path, "host:port"
    )


def _callee(host: str, hosts: dict[str, str]) -> str | None:
    """The service `host` names: itself, or a cluster name of it (`rates.fx`,
    `rates.fx.svc.cluster.local`); `api.stripe.com` is not the service `api`."""
    labels = host.split(".")
    cluster_name = len(labels) == 2 or "svc" in labels[1:]
    return hosts.get(host) or (hosts.get(labels[0]) if cluster_name else None)


# the service a host name names, for the other readers of a service's description
callee_of_host = _callee


def _is_telemetry(variable: str, host: str) -> bool:
    return bool(TELEMETRY_VARIABLE.search(variable) or TELEMETRY_HOST.search(host.split(".")[0]))


def classify(variable: str, value: str, hosts: dict[str, str], own_name: str) -> Finding | None:
    """What one variable is: an edge to a service in `hosts` (every name a service answers to →
    the service), a telemetry endpoint, an address that is not an edge (with why), or None for a
    value that is no address at all."""
    form = address_form(value)
    if form is None:
        return None
    shown = f"{variable}={value}"
    if isinstance(form, str):
        return Finding(variable, value, NOT_AN_EDGE, note=f"{shown} {form}: not an edge")
    if _is_telemetry(variable, form.host):
        return Finding(
            variable,
            value,
            TELEMETRY,
            note=f"{shown} is a telemetry endpoint: recorded as telemetry, not an edge",
        )
    if form.host.lower() in LOCAL_HOSTS:
        return Finding(
            variable,
            value,
            NOT_AN_EDGE,
            note=f"{shown} is a local address (the service's own or a sidecar's): not an edge",
        )
    callee = _callee(form.host, hosts)
    if callee is None:
        return Finding(
            variable,
            value,
            NOT_AN_EDGE,
            note=f"{shown} names `{form.host}`, which is no service of this draft (left out, or "
            "outside the system): not an edge, kept as it is",
        )
    if callee == own_name:
        return Finding(
            variable, value, NOT_AN_EDGE, note=f"{shown} names the service itself: not an edge"
        )
    what = "its URL" if form.kind == "URL" else f"its address ({form.kind})"
    return Finding(
        variable,
        value,
        EDGE,
        callee,
        {variable: form.template},
        f"depends on `{callee}`: {shown} holds {what} (confirm)",
    )


def _host_and_port(
    variable: str, value: str, env: dict[str, str], hosts: dict[str, str], own_name: str
) -> Finding | None:
    """`REDIS_HOST=redis` with `REDIS_PORT=6379` beside it: one edge, two variables."""
    if not BARE_HOST.match(value.strip()):
        return None
    host = value.strip().lower()
    match = HOST_VARIABLE.match(variable)
    callee = _callee(host, hosts)
    if match is None and callee is None:
        return None  # a plain word, not a host anybody declared
    shown = f"{variable}={value}"
    if _is_telemetry(variable, host):
        return Finding(
            variable,
            value,
            TELEMETRY,
            note=f"{shown} is a telemetry endpoint: recorded as telemetry, not an edge",
        )
    if host in LOCAL_HOSTS or callee == own_name:
        why = "is a local address" if host in LOCAL_HOSTS else "names the service itself"
        return Finding(variable, value, NOT_AN_EDGE, note=f"{shown} {why}: not an edge")
    if callee is None:
        return Finding(
            variable,
            value,
            NOT_AN_EDGE,
            note=f"{shown} names `{host}`, which is no service of this draft (left out, or "
            "outside the system): not an edge, kept as it is",
        )
    port_variable = f"{match['prefix']}_PORT" if match else None
    if port_variable is None or not env.get(port_variable, "").strip().isdigit():
        wanted = f"no `{port_variable}` gives its port" if port_variable else "carries no port"
        return Finding(
            variable,
            value,
            NOT_AN_EDGE,
            note=f"{shown} names `{callee}` but {wanted}, so the edge proxy's port cannot be "
            "passed: not an edge; write it as one address (host:port or a URL) and add the "
            "dependency",
        )
    port_value = env[port_variable]
    return Finding(
        variable,
        value,
        EDGE,
        callee,
        {variable: "{host}", port_variable: "{port}"},
        f"depends on `{callee}`: {shown} and {port_variable}={port_value} hold its host and "
        "port (confirm)",
    )


def classify_environment(
    env: dict[str, str], hosts: dict[str, str], own_name: str
) -> list[Finding]:
    """Every variable of one service that names an address, in the environment's order."""
    found: list[Finding] = []
    paired: set[str] = set()
    for variable, value in env.items():
        if variable in paired:
            continue
        finding = classify(variable, value, hosts, own_name) or _host_and_port(
            variable, value, env, hosts, own_name
        )
        if finding is None:
            continue
        # a `*_PORT` met before its `*_HOST` is a bare number, which names nothing
        paired.update(finding.forms)
        found.append(finding)
    return found


def infer_dependencies(draft: SystemDraft, hosts: dict[str, str]) -> None:
    """Every variable naming another service (`hosts`: every name a service answers to → the
    service) becomes a dependency in its form; two variables naming one callee are both kept
    (the first is the main one). Every other address is noted with why."""
    for service in draft.services.values():
        for finding in classify_environment(service.env, hosts, service.name):
            service.notes.append(finding.note)
            if finding.verdict != EDGE or finding.callee is None:
                continue
            for variable in finding.forms:
                service.env.pop(variable, None)
            service.dependencies.setdefault(finding.callee, finding.variable)
            service.addresses.setdefault(finding.callee, {}).update(finding.forms)


def dependency_entry(
    variable: str, forms: dict[str, str] | None, *, grpc: bool = False
) -> dict[str, object]:
    """A dependency as system.yaml writes it: its main variable, its form unless it is the
    default URL, and the other variables naming the same callee. `grpc`: the callee is known to
    speak gRPC (its health is a gRPC probe), so an edge that is not an http(s) URL is one."""
    forms = dict(forms or {})
    entry: dict[str, object] = {"env": variable}
    address = forms.pop(variable, DEFAULT_ADDRESS)
    if address != DEFAULT_ADDRESS:
        entry["address"] = address
    if grpc and not address.startswith(("http://", "https://")):
        entry["protocol"] = "grpc"
    if forms:
        entry["also"] = forms
    return entry
