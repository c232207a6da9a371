"""A Docker run's Jaeger: a container on the run's own internal network, which services reach
by the alias `jaeger` and the harness at the container's address on the bridge; removed with
the run's other containers (by label)."""

from __future__ import annotations

import contextlib
from typing import Any

from docker.types import EndpointConfig

from harness.errors import PlatformError
from harness.images.jaeger_image import CONTAINER_PORTS
from harness.platforms.docker.engine import API_VERSION_FLOOR, LABEL_ROLE
from harness.traces.jaeger_server import JAEGER_VERSION, wait_query_ready

JAEGER_ALIAS = "jaeger"


class DockerJaeger:
    def __init__(self, client: Any, image: str, network: Any, name: str, labels: dict[str, str]):
        self.client = client
        self.image = image
        self.network = network
        self.name = name
        self.labels = {**labels, LABEL_ROLE: "jaeger"}
        self.container: Any = None
        self.address = ""

    @property
    def otlp_endpoint(self) -> str:
        """What the services' `OTEL_EXPORTER_OTLP_ENDPOINT` holds."""
        return f"http://{JAEGER_ALIAS}:{CONTAINER_PORTS.otlp_http}"

    @property
    def harness_otlp_url(self) -> str:
        return f"http://{self.address}:{CONTAINER_PORTS.otlp_http}"

    @property
    def query_url(self) -> str:
        return f"http://{self.address}:{CONTAINER_PORTS.query_http}"

    @property
    def version(self) -> str:
        return JAEGER_VERSION

    @property
    def pid(self) -> int | None:
        return None  # its CPU is counted with the run's containers

    def start(self, ready_timeout_s: float = 20.0) -> None:
        self.container = self.client.containers.run(
            self.image,
            name=self.name,
            detach=True,
            labels=self.labels,
            network=self.network.name,
            networking_config={
                self.network.name: EndpointConfig(API_VERSION_FLOOR, aliases=[JAEGER_ALIAS])
            },
        )
        with contextlib.suppress(Exception):
            self.container.reload()
        networks = self.container.attrs.get("NetworkSettings", {}).get("Networks", {})
        self.address = networks.get(self.network.name, {}).get("IPAddress", "")
        if not self.address:
            raise PlatformError(f"Jaeger's container has no address on {self.network.name}.")
        try:
            wait_query_ready(self.query_url, ready_timeout_s)
        except PlatformError as exc:
            logs = self.container.logs(tail=20).decode(errors="replace")
            raise PlatformError(f"{exc}\n{logs}") from None
