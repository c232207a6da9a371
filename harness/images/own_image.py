"""Images Firebreak makes for itself (Toxiproxy's, the in-cluster load generator's): a folder in
the cache with a Dockerfile and its files, tagged by the hash of everything in it and the base's
id, built only when this engine lacks that tag."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import PlatformError
from harness.images.context import BuildContext
from harness.images.offline_base import has_image

if TYPE_CHECKING:
    import docker


def ensure_own_image(
    client: docker.DockerClient,
    folder: Path,
    repository: str,
    base: str | None,
    wheels: list[Path] | None = None,
    on_message: Callable[[str], None] = print,
) -> str:
    """`repository:fb-<hash>` of the image built from `folder/Dockerfile` on `base`."""
    args = {"BASE": base} if base else {}
    context = BuildContext(folder, "Dockerfile", dict(args), list(wheels or []))
    hashed = BuildContext(folder, "Dockerfile", dict(args), list(wheels or []))
    if base:
        # a base made again (same tag, new id) makes this image again too
        hashed.build_args["BASE_ID"] = client.images.get(base).id
    reference = f"{repository}:fb-{hashed.content_hash()}"
    if has_image(client, reference):
        return reference
    on_message(f"Building {reference} ...")
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
