"""Edges a caller reaches by a fixed host name, on the Kubernetes platform.

A caller that dials `redis:6379` from its code (or from a fixed value) reads no variable
Firebreak could rewrite. Each such edge gets a ClusterIP Service of its own (`dial-<caller>-
<callee>`) selecting the Toxiproxy pod, at the callee's port, forwarding to the edge's proxy port;
the caller's pods get `hostAliases` naming that Service's address. So `redis` means the edge's
proxy in that caller's pods only (another caller's `redis` is its own edge), and the callee stays
reachable by its `svc-` Service, through the balancer. The address exists only once the Service
is created, so a run creates these Services before the callers' Deployments (kubernetes.py);
`firebreak manifests` writes them and says where the aliases go (`dial_notes`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any

from harness.dependency_address import dialed_address
from harness.platforms.container_env import edge_ports
from harness.platforms.kubernetes.api import service_cluster_ips
from harness.system import SystemSpec

DIAL_PREFIX = "dial-"
ANNOTATION_EDGE = "io.firebreak/edge"
ANNOTATION_DIALED = "io.firebreak/dialed-as"
MAX_NAME_CHARS = 63  # a Service's name is a DNS label
_DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")


def dial_service_names(system: SystemSpec) -> dict[str, str]:
    """Host-named edge → its Service's name: `dial-<caller>-<callee>` where that is a DNS label
    of at most 63 characters that no other edge of the system also reads as (`a->b-c` and
    `a-b->c`), else a shortened one ending in a hash of the edge's name."""
    readable = {
        edge.name: f"{DIAL_PREFIX}{edge.caller}-{edge.callee}" for edge in system.host_named_edges()
    }
    counts = Counter(readable.values())
    names: dict[str, str] = {}
    for edge_name, name in readable.items():
        if len(name) > MAX_NAME_CHARS or counts[name] > 1 or not _DNS_LABEL.match(name):
            digest = hashlib.sha256(edge_name.encode()).hexdigest()[:8]
            name = f"{name[: MAX_NAME_CHARS - 9].rstrip('-')}-{digest}"
        names[edge_name] = name
    return names


def dial_services(
    system: SystemSpec, namespace: str, labels: dict[str, str], toxiproxy_selector: dict[str, str]
) -> list[dict[str, Any]]:
    """One Service per host-named edge: the callee's port, forwarded to the edge's proxy port
    on the Toxiproxy pod (where the edge's proxy listens for callers by variable as well)."""
    ports = edge_ports(system)
    services = []
    for edge_name, name in dial_service_names(system).items():
        callee_port = system.services[system.edge(edge_name).callee].port
        services.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "labels": labels,
                    "annotations": {
                        ANNOTATION_EDGE: edge_name,
                        ANNOTATION_DIALED: dialed_address(system, edge_name),
                    },
                },
                "spec": {
                    "selector": toxiproxy_selector,
                    "ports": [
                        {"name": "edge", "port": callee_port, "targetPort": ports[edge_name]}
                    ],
                },
            }
        )
    return services


def host_aliases(
    system: SystemSpec, service: str, dial_ips: dict[str, str]
) -> list[dict[str, Any]]:
    """The `hostAliases` of `service`'s pods: each name it dials → its edge's Service address
    (edges whose address `dial_ips` does not hold yet are left out)."""
    aliases = []
    for callee, dependency in sorted(system.services[service].dependencies.items()):
        ip = dial_ips.get(f"{service}->{callee}")
        if dependency.host_name is not None and ip:
            aliases.append({"ip": ip, "hostnames": [dependency.host_name]})
    return aliases


def dial_ips(api: Any, namespace: str, system: SystemSpec) -> dict[str, str]:
    """Host-named edge → its Service's ClusterIP, read once the Services exist (the API server
    assigns it at creation)."""
    cluster_ip = service_cluster_ips(api, namespace)
    return {edge: cluster_ip[name] for edge, name in dial_service_names(system).items()}


def dial_notes(system: SystemSpec) -> list[str]:
    """For a review of the objects: where each caller's host names will point."""
    return [
        f"`{system.edge(edge).caller}` dials `{dialed_address(system, edge)}`: its pods get "
        f"hostAliases naming Service `{name}`'s ClusterIP, filled in at deploy"
        for edge, name in dial_service_names(system).items()
    ]
