"""How a run's images reach a cluster's nodes: imported into Firebreak's own node's containerd, or
pushed to a registry the cluster pulls from (`--registry HOST[:PORT][/PATH]`, or
`FIREBREAK_REGISTRY`) — the way a team runs on kind, minikube or a staging cluster that cannot see
the machine that built them. Images are tagged by their content's hash, so a tag that is in the
registry already holds the same bytes and pods may pull it only when the node lacks it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from harness.errors import InputError, PlatformError

if TYPE_CHECKING:
    from harness.images.builder import ImagePlan
    from harness.system import SystemSpec

REGISTRY_ENV = "FIREBREAK_REGISTRY"
# host[:port] with an optional path; no scheme (the engine and the nodes pick it)
_REGISTRY = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[a-z0-9._/-]+)?$")


def registry_from_env() -> str | None:
    """`FIREBREAK_REGISTRY`, checked (None when unset)."""
    value = os.environ.get(REGISTRY_ENV, "").strip()
    if not value:
        return None
    return checked_registry(value, f"${REGISTRY_ENV}")


def checked_registry(value: str, where: str) -> str:
    value = value.strip().rstrip("/")
    if not _REGISTRY.match(value):
        raise InputError(
            f"{where}: `{value}` is not a registry: expected HOST[:PORT][/PATH] without a scheme "
            "(for example 127.0.0.1:5000 or registry.example.com/team)."
        )
    return value


def pull_policy(registry: str | None) -> str:
    # the local node cannot pull (no registry answers here); a registry's tags never change
    return "IfNotPresent" if registry else "Never"


def deliver_images(
    images: Iterable[str],
    *,
    registry: str | None,
    local_node: bool,
    context: str,
    on_message: Callable[[str], None] = print,
) -> dict[str, str]:
    """Each Docker image reference → the reference the cluster's pods name."""
    images = sorted(set(images))
    if registry:
        return push_images(images, registry, on_message)
    if local_node:
        from harness.cluster.layout import default_layout
        from harness.cluster.node_images import load_images, node_name

        load_images(default_layout(), images, on_message)
        return {image: node_name(image) for image in images}
    raise PlatformError(
        f"Context `{context}` is not Firebreak's own node, so its nodes cannot see this machine's "
        f"images: give a registry it pulls from (`--registry HOST[:PORT]` or {REGISTRY_ENV}) "
        "and Firebreak pushes the run's images there."
    )


def registry_reference(image: str, registry: str) -> str:
    """`firebreak/sample:fb-1` → `REGISTRY/firebreak/sample:fb-1` (a registry host the image
    already names is dropped first)."""
    name = image
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        name = rest
    return f"{registry}/{name}"


def push_images(
    images: Iterable[str], registry: str, on_message: Callable[[str], None] = print
) -> dict[str, str]:
    """Tag and push each image with the Docker engine; a refused push stops the run before
    anything is created in the cluster."""
    from harness.platforms.docker.engine import engine

    pushed: dict[str, str] = {}
    client = engine()
    try:
        for image in images:
            reference = registry_reference(image, registry)
            repository, _, tag = reference.rpartition(":")
            client.images.get(image).tag(repository, tag)
            on_message(f"Pushing {reference} ...")
            for line in client.images.push(repository, tag, stream=True, decode=True):
                if "error" in line:
                    raise PlatformError(
                        f"Pushing {reference} to {registry} failed: {line['error'].strip()}"
                    )
            pushed[image] = reference
    finally:
        client.close()
    return pushed


def run_images(
    system: SystemSpec,
    image_plan: ImagePlan,
    deliver: Callable[[list[str]], dict[str, str]],
    on_message: Callable[[str], None],
    with_jaeger: bool = False,
) -> tuple[dict[str, str], str, str, str]:
    """Build (or find) a run's images with the local engine and `deliver` them to the cluster:
    service → the reference its pods name, then Toxiproxy's, the balancer's and (a traced run)
    Jaeger's ('' otherwise)."""
    from harness.images.balancer_image import ensure_balancer_image
    from harness.images.builder import base_image_of, images_for
    from harness.images.jaeger_image import ensure_jaeger_image
    from harness.images.toxiproxy_image import ensure_toxiproxy_image
    from harness.platforms.docker.engine import engine

    client = engine()
    try:
        images, _ = images_for(client, system, image_plan, on_message)
        base = base_image_of(client, image_plan, on_message)
        toxiproxy = ensure_toxiproxy_image(client, base, on_message)
        balancer = ensure_balancer_image(client, base, on_message)
        jaeger = ensure_jaeger_image(client, base, on_message) if with_jaeger else ""
    finally:
        client.close()
    delivered = deliver([*images.values(), toxiproxy, balancer, *([jaeger] if jaeger else [])])
    services = {s: delivered[i] for s, i in images.items()}
    return services, delivered[toxiproxy], delivered[balancer], delivered.get(jaeger, "")
