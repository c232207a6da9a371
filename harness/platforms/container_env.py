"""The environment a replica gets in a container or a pod: its own name and port, where its
data lives, and each dependency's address through that edge's proxy (in the form the service
reads it); the system's and the run's overrides on top. The local platform builds its own (its
replicas share the host's ports)."""

from __future__ import annotations

from harness.dependency_address import dependency_environment
from harness.system import SystemSpec

DATA_MOUNT = "/data"  # every replica's data folder, shared by the replicas of a service
# each edge's port in the Toxiproxy container or pod (and on the HTTP balancer, for an HTTP edge)
FRONT_DOOR_PORT = 20000  # the `load->entrypoint` edge's
EDGE_PORTS_FROM = 20001
# a split run's control proxy of an edge (harness/split_plan.py) listens this far above the
# edge's own port, so a control replica's environment is known before anything starts
CONTROL_PORT_SHIFT = 1000


def edge_ports(system: SystemSpec) -> dict[str, int]:
    """Edge name → its proxy's port in the Toxiproxy container or pod (the front door's is
    fixed)."""
    return {
        edge.name: FRONT_DOOR_PORT if index == 0 else EDGE_PORTS_FROM + index
        for index, edge in enumerate(system.edges())
    }


def container_env(
    system: SystemSpec,
    service: str,
    proxy_host: str,
    overrides: dict[str, str],
    control_edges: tuple[str, ...] = (),
) -> dict[str, str]:
    """`proxy_host`: the name callers reach the Toxiproxy container or pod by; each edge's
    proxy is at its port there (`edge_ports`). `control_edges`: a split run's control replica
    reaches these edges through their control proxies instead."""
    spec = system.services[service]
    env = {
        **spec.env,
        "FIREBREAK_SERVICE": service,
        "HOST": "0.0.0.0",
        "PORT": str(spec.port),
        spec.port_env: str(spec.port),
        "DATA_DIR": DATA_MOUNT,
        "PYTHONUNBUFFERED": "1",
    }
    ports = edge_ports(system)
    for dependency, dep_spec in spec.dependencies.items():
        edge_name = f"{service}->{dependency}"
        port = ports[edge_name] + (CONTROL_PORT_SHIFT if edge_name in control_edges else 0)
        env.update(dependency_environment(dep_spec, proxy_host, port))
    env.update(overrides)
    return env
