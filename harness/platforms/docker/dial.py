"""Edges a caller reaches by a fixed host name, on the Docker platform.

A caller that dials `redis:6379` from its code reads no variable Firebreak could rewrite. The run
gives each such caller a network of its own (`internal`, like the run's), which only that caller's
containers and Toxiproxy join; Toxiproxy listens for each of the caller's host-named edges on its
address there, at the callee's port, and each of the caller's containers gets the name in its
hosts file, pointing at that address. So `redis` means the edge's proxy to that caller, another
caller's `redis` its own edge, and the callee itself stays reachable only by its `svc-` alias,
through the balancer. One network per caller, not per edge: a caller's names share one address,
which is why system.yaml refuses two names dialed on one port by one caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import PlatformError
from harness.system import SystemSpec


@dataclass
class DialNetwork:
    """One caller's network: where its host names point, and the names it dials."""

    caller: str
    network: Any
    toxiproxy_address: str
    host_names: dict[str, str] = field(default_factory=dict)  # callee → the name dialed

    def hosts(self) -> dict[str, str]:
        """Host name → address, for the caller's containers' hosts file."""
        return {name: self.toxiproxy_address for name in self.host_names.values()}

    def dials(self, callee: str) -> bool:
        return callee in self.host_names

    def listen(self, system: SystemSpec, callee: str) -> str:
        """Where the edge's proxy listens: the name's address, at the port the caller dials."""
        return f"{self.toxiproxy_address}:{system.services[callee].port}"


def create_dial_networks(
    client: Any, system: SystemSpec, run_label: str, labels: dict[str, str], toxiproxy: Any
) -> dict[str, DialNetwork]:
    """Caller → its network, joined by Toxiproxy, for every caller that dials a host name."""
    created: dict[str, DialNetwork] = {}
    for edge in system.host_named_edges():
        dial = created.get(edge.caller)
        if dial is None:
            network = client.networks.create(
                f"firebreak-{run_label}-dial-{edge.caller}"[:60],
                driver="bridge",
                internal=True,
                labels=labels,
            )
            network.connect(toxiproxy)
            toxiproxy.reload()
            address = (
                toxiproxy.attrs.get("NetworkSettings", {})
                .get("Networks", {})
                .get(network.name, {})
                .get("IPAddress")
            )
            if not address:
                raise PlatformError(
                    f"Toxiproxy's container has no address on {network.name}, the network "
                    f"where `{edge.caller}`'s host names point."
                )
            dial = created[edge.caller] = DialNetwork(edge.caller, network, address)
        host_name = system.services[edge.caller].dependencies[edge.callee].host_name
        assert host_name is not None
        dial.host_names[edge.callee] = host_name
    return created
