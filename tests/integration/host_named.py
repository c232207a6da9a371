"""An edge whose caller dials a fixed host name (issue 22), for the platform tests: an existing
edge of a deployment they make anyway becomes one, so no deployment runs for it alone."""

from __future__ import annotations

from harness.system import DependencySpec, SystemSpec


def with_host_name(
    system: SystemSpec, caller: str, callee: str, host_name: str, variable: str
) -> SystemSpec:
    """A copy of `system` whose `caller->callee` is reached by `host_name`: the caller's
    `variable` becomes a fixed value of its own (`http://<host_name>:<callee's port>`), which no
    platform rewrites, so only the name's resolution can lead the caller to the edge's proxy.
    The edge keeps its protocol and optionality, so the system runs and is judged as before."""
    old = system.services[caller].dependencies[callee]
    dependency = DependencySpec(
        host_name=host_name,
        protocol=old.protocol,
        optional=old.optional,
        retries=old.retries,
    )
    spec = system.services[caller]
    url = f"http://{host_name}:{system.services[callee].port}"
    services = {
        **system.services,
        caller: spec.model_copy(
            update={
                "env": {**spec.env, variable: url},
                "dependencies": {**spec.dependencies, callee: dependency},
            }
        ),
    }
    copy = system.model_copy(update={"services": services})
    copy._path = system._path
    return copy
