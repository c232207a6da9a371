"""An edge that hands its caller the proxy in more than the default URL form (issue 22), for the
platform tests: the Docker and Kubernetes ones add it to an existing deployment of theirs and read
back what the replica was really given, so no deployment runs for it alone."""

from __future__ import annotations

from harness.system import SystemSpec

# a `host:port` (the gRPC convention) and a connection string, beside the edge's own URL
EXTRA_FORMS = {"EDGE_ADDR": "{host}:{port}", "EDGE_DSN": "redis://:pw@{host}:{port}/0"}


def with_address_forms(system: SystemSpec, caller: str, callee: str) -> SystemSpec:
    """A copy of `system` whose edge `caller->callee` also sets EXTRA_FORMS (its files stay where
    they are; the caller's main variable is unchanged, so the system runs as before)."""
    dependency = system.services[caller].dependencies[callee]
    dependencies = {
        **system.services[caller].dependencies,
        callee: dependency.model_copy(update={"also": {**dependency.also, **EXTRA_FORMS}}),
    }
    services = {
        **system.services,
        caller: system.services[caller].model_copy(update={"dependencies": dependencies}),
    }
    copy = system.model_copy(update={"services": services})
    copy._path = system._path
    return copy


def expected_forms(host: str, port: int) -> dict[str, str]:
    return {"EDGE_ADDR": f"{host}:{port}", "EDGE_DSN": f"redis://:pw@{host}:{port}/0"}
