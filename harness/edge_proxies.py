"""One Toxiproxy proxy per dependency edge, so a fault can hit one edge and spare the others."""

from __future__ import annotations

from dataclasses import dataclass

from harness.faults.toxiproxy import ProxyInfo, ToxiproxyClient
from harness.ledger import Ledger
from harness.system import Edge, SystemSpec


@dataclass(frozen=True)
class EdgeProxy:
    edge: Edge
    proxy: ProxyInfo

    @property
    def url(self) -> str:
        """The URL a caller uses to reach its callee through this edge."""
        return f"http://{self.proxy.listen}"


def create_edge_proxies(
    client: ToxiproxyClient,
    system: SystemSpec,
    upstream_of: dict[str, str],
    ledger: Ledger | None = None,
    listen_host: str = "127.0.0.1",
    listen_of: dict[str, str] | None = None,
) -> dict[str, EdgeProxy]:
    """Create every edge's proxy; edge name → EdgeProxy. `upstream_of` maps each edge's name to
    the address its proxy forwards to; `listen_of` fixes an edge's listen address (by default
    Toxiproxy picks a port on `listen_host`)."""
    created: dict[str, EdgeProxy] = {}
    for edge in system.edges():
        if ledger is not None:
            ledger.add_proxy(edge.proxy_name)
        proxy = client.create_proxy(
            edge.proxy_name,
            upstream=upstream_of[edge.name],
            listen=(listen_of or {}).get(edge.name, f"{listen_host}:0"),
        )
        created[edge.name] = EdgeProxy(edge, proxy)
    return created


def create_control_proxies(
    client: ToxiproxyClient,
    system: SystemSpec,
    edge_names: tuple[str, ...],
    upstream_of: dict[str, str],
    ledger: Ledger | None = None,
    listen_host: str = "127.0.0.1",
    listen_of: dict[str, str] | None = None,
) -> dict[str, EdgeProxy]:
    """A split run's control arm: a second proxy for each faulted edge, to the same upstream,
    named `<edge's proxy>-control`, which no fault acts on (faults name the edge's own proxy);
    `listen_of` fixes an edge's control listen address, as for `create_edge_proxies`."""
    created: dict[str, EdgeProxy] = {}
    for edge in system.edges():
        if edge.name not in edge_names:
            continue
        name = f"{edge.proxy_name}-control"
        if ledger is not None:
            ledger.add_proxy(name)
        listen = (listen_of or {}).get(edge.name, f"{listen_host}:0")
        proxy = client.create_proxy(name, upstream=upstream_of[edge.name], listen=listen)
        created[edge.name] = EdgeProxy(edge, proxy)
    return created


def delete_edge_proxies(
    client: ToxiproxyClient, proxies: dict[str, EdgeProxy], ledger: Ledger | None = None
) -> None:
    for edge_proxy in proxies.values():
        client.delete_proxy(edge_proxy.proxy.name)
        if ledger is not None:
            ledger.remove_proxy(edge_proxy.proxy.name)
