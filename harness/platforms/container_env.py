"""The environment a replica gets in a container or a pod: its own name and port, where its
data lives, and each dependency's URL through that edge's proxy; the system's and the run's
overrides on top. The local platform builds its own (its replicas share the host's ports)."""

from __future__ import annotations

from harness.system import SystemSpec

DATA_MOUNT = "/data"  # every replica's data folder, shared by the replicas of a service


def container_env(
    system: SystemSpec, service: str, edge_urls: dict[str, str], overrides: dict[str, str]
) -> dict[str, str]:
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
    for dependency, dep_spec in spec.dependencies.items():
        env[dep_spec.env] = edge_urls[f"{service}->{dependency}"]
    env.update(overrides)
    return env
