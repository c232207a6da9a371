"""The Docker platform's balancer: one HAProxy container on the run's network, holding a
frontend for every edge (HTTP for the edges a run may put HTTP faults on or must count requests
of, TCP for the rest: `harness.balancer.dns_config`). The host reaches its runtime API at the
container's address on the run's bridge, as it reaches Toxiproxy's."""

from __future__ import annotations

import io
import tarfile
import time
from typing import Any

from docker.types import EndpointConfig

from harness.balancer.dns_config import DnsEdge, render_dns_config
from harness.balancer.haproxy import runtime_command
from harness.errors import PlatformError
from harness.images.balancer_image import API_PORT, CONFIG_DIR, LUA_PATH

BALANCER_ALIAS = "http-balancer"
# the engine's DNS, inside every container on a user-defined network
ENGINE_DNS = "127.0.0.11:53"
READY_TIMEOUT_S = 15.0


def _config_archive(text: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = text.encode()
        info = tarfile.TarInfo("haproxy.cfg")
        info.size = len(data)
        info.mode = 0o644
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def start_http_balancer(
    client: Any,
    image: str,
    network: str,
    name: str,
    labels: dict[str, str],
    edges: list[DnsEdge],
    api_version: str,
) -> tuple[Any, str]:
    """Create, configure and start the balancer; return it and its runtime API's address once
    that answers."""
    container = client.containers.create(
        image,
        name=name,
        labels=labels,
        network=network,
        networking_config={network: EndpointConfig(api_version, aliases=[BALANCER_ALIAS])},
    )
    config = render_dns_config(edges, API_PORT, LUA_PATH, ENGINE_DNS)
    container.put_archive(CONFIG_DIR, _config_archive(config))
    container.start()
    container.reload()
    address = container.attrs["NetworkSettings"]["Networks"].get(network, {}).get("IPAddress")
    if not address:
        raise PlatformError(f"The HTTP balancer {name} has no address on {network}.")
    api_address = f"{address}:{API_PORT}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            runtime_command(api_address, "show info", timeout_s=1.0)
            return container, api_address
        except OSError:
            container.reload()
            if container.status == "exited" or time.monotonic() >= deadline:
                logs = container.logs(tail=20).decode(errors="replace")
                raise PlatformError(
                    f"The HTTP balancer's container (HAProxy) did not answer on {api_address} "
                    f"within {READY_TIMEOUT_S:g} s; its base image needs HAProxy built with Lua "
                    f"(the offline base has it). Its log:\n{logs}"
                ) from None
            time.sleep(0.1)
