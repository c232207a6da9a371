"""The HTTP balancer's image for container platforms: HAProxy (built with Lua) and Firebreak's
`http_faults.lua`; the run's configuration is copied in before the container starts. The offline
base carries Debian's haproxy; with no base named, the official `haproxy` image is the base."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.balancer.config import HTTP_FAULTS_LUA
from harness.images.own_image import ensure_own_image
from harness.images.wheelhouse import cache_dir

if TYPE_CHECKING:
    import docker

REPOSITORY = "firebreak/http-balancer"
DEFAULT_BASE = "haproxy:2.6"
CONFIG_DIR = "/usr/local/etc/firebreak"
CONFIG_PATH = f"{CONFIG_DIR}/haproxy.cfg"
LUA_PATH = f"{CONFIG_DIR}/http_faults.lua"
API_PORT = 9999
DOCKERFILE = f"""\
ARG BASE={DEFAULT_BASE}
FROM ${{BASE}}
USER 0:0
COPY http_faults.lua {LUA_PATH}
USER 65534:65534
EXPOSE {API_PORT}
ENTRYPOINT ["haproxy", "-db", "-f", "{CONFIG_PATH}"]
"""


def ensure_balancer_image(
    client: docker.DockerClient, base: str | None, on_message: Callable[[str], None] = print
) -> str:
    """The image's reference, built first when this engine lacks it."""
    folder = cache_dir() / "balancer-image"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(HTTP_FAULTS_LUA, folder / "http_faults.lua")
    (folder / "Dockerfile").write_text(DOCKERFILE)
    return ensure_own_image(client, folder, REPOSITORY, base, on_message=on_message)
