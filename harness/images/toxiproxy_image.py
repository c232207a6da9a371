"""The Toxiproxy image: the very server binary the project builds (`scripts/setup-toxiproxy.sh`),
on a base with the C library it links against; tagged by the binary's hash."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.errors import PlatformError
from harness.images.context import BuildContext
from harness.images.offline_base import has_image
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
    context = BuildContext(folder, "Dockerfile", {"BASE": base} if base else {})
    hashed = BuildContext(folder, "Dockerfile", dict(context.build_args))
    if base:
        # a base made again (same tag, new id) makes this image again too
        hashed.build_args["BASE_ID"] = client.images.get(base).id
    reference = f"{REPOSITORY}:fb-{hashed.content_hash()}"
    if has_image(client, reference):
        return reference
    on_message(f"Building {reference} from {binary} ...")
    for chunk in client.api.build(
        fileobj=io.BytesIO(context.tar_bytes()),
        custom_context=True,
        tag=reference,
        buildargs=context.build_args,
        rm=True,
        decode=True,
    ):
        if "error" in chunk:
            raise PlatformError(f"Building {reference} failed: {chunk['error'].strip()}")
    return reference
