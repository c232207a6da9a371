"""A service made image-only (no `command`, no `build`: its image's own entrypoint runs it), for
the platform tests: the Docker and Kubernetes ones change one service of a deployment they make
anyway, so no deployment runs for it alone."""

from __future__ import annotations

from harness.system import SystemSpec


def as_image_only(system: SystemSpec, service: str, image: str) -> SystemSpec:
    """A copy of `system` whose `service` runs `image` as it is (its files stay where they are);
    `image` must be one whose CMD starts that service."""
    spec = system.services[service].model_copy(
        update={"command": None, "workdir": None, "build": None, "image": image}
    )
    copy = system.model_copy(update={"services": {**system.services, service: spec}})
    copy._path = system._path
    return copy
