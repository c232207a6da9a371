"""The Jaeger image: the very binary the project builds (`scripts/build-jaeger.sh`, static), with
its configuration for a container (every address, the standard ports); tagged by their hash.
Docker runs it as a container, Kubernetes as a pod of the image loaded into the node."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.images.own_image import ensure_own_image
from harness.images.wheelhouse import cache_dir
from harness.traces.jaeger_server import JaegerPorts, find_jaeger, jaeger_config

if TYPE_CHECKING:
    import docker

REPOSITORY = "firebreak/jaeger"
# Jaeger's own ports: OTLP over HTTP, the query API (and UI), the query's gRPC
CONTAINER_PORTS = JaegerPorts(otlp_http=4318, query_http=16686, query_grpc=16685)
DOCKERFILE = f"""\
ARG BASE=debian:bookworm-slim
FROM ${{BASE}}
COPY jaeger /usr/local/bin/jaeger
COPY jaeger.yaml /etc/jaeger.yaml
USER 65534:65534
EXPOSE {CONTAINER_PORTS.otlp_http} {CONTAINER_PORTS.query_http}
ENTRYPOINT ["/usr/local/bin/jaeger", "--config", "/etc/jaeger.yaml"]
"""


def ensure_jaeger_image(
    client: docker.DockerClient, base: str | None, on_message: Callable[[str], None] = print
) -> str:
    """The image's reference, built first when this engine lacks it."""
    folder = cache_dir() / "jaeger-image"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(find_jaeger(), folder / "jaeger")
    (folder / "jaeger.yaml").write_text(jaeger_config("0.0.0.0", CONTAINER_PORTS))
    (folder / "Dockerfile").write_text(DOCKERFILE)
    return ensure_own_image(client, folder, REPOSITORY, base, on_message=on_message)
