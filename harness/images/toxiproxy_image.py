"""The Toxiproxy image: the very server binary the project builds (`scripts/setup-toxiproxy.sh`),
on a base with the C library it links against; tagged by the binary's hash."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.images.own_image import ensure_own_image
from harness.images.wheelhouse import cache_dir
from harness.toxiproxy_server import find_toxiproxy_server

if TYPE_CHECKING:
    import docker

REPOSITORY = "firebreak/toxiproxy"
DEFAULT_BASE = "debian:bookworm-slim"
API_PORT = 8474
DOCKERFILE = f"""\
ARG BASE={DEFAULT_BASE}
FROM ${{BASE}}
COPY toxiproxy-server /usr/local/bin/toxiproxy-server
USER 65534:65534
EXPOSE {API_PORT}
ENTRYPOINT ["/usr/local/bin/toxiproxy-server"]
CMD ["-host", "0.0.0.0", "-port", "{API_PORT}"]
"""


def ensure_toxiproxy_image(
    client: docker.DockerClient, base: str | None, on_message: Callable[[str], None] = print
) -> str:
    """The image's reference, built first when this engine lacks it."""
    folder = cache_dir() / "toxiproxy-image"
    folder.mkdir(parents=True, exist_ok=True)
    binary = find_toxiproxy_server()
    shutil.copy2(binary, folder / "toxiproxy-server")
    (folder / "Dockerfile").write_text(DOCKERFILE)
    return ensure_own_image(client, folder, REPOSITORY, base, on_message=on_message)
