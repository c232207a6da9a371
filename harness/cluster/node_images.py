"""Images on the node: nothing can be pulled here, so every image a pod runs is loaded into the
node's containerd from Docker (`docker save | ctr images import`), and the two the node itself
needs (the pod sandbox's pause, CoreDNS) are made from our own static binaries by `docker import`.
Pods use them with `imagePullPolicy: Never`; containerd names them `docker.io/<name>`.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from harness.cluster.layout import COREDNS_VERSION, ClusterLayout
from harness.errors import PlatformError

PAUSE_IMAGE = "firebreak/pause:1"
COREDNS_IMAGE = f"firebreak/coredns:{COREDNS_VERSION}"
NAMESPACE = "k8s.io"  # the containerd namespace the kubelet's CRI uses


def node_name(image: str) -> str:
    """How containerd names a Docker image it imported."""
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return image
    return f"docker.io/{image}" if "/" in image else f"docker.io/library/{image}"


def ctr(
    layout: ClusterLayout, *args: str, stdin: Any = None, timeout_s: float = 300
) -> subprocess.CompletedProcess:
    """`ctr` against the node's own containerd, in the kubelet's namespace (output as bytes)."""
    return subprocess.run(
        ["ctr", "--address", str(layout.containerd_socket), "-n", NAMESPACE, *args],
        stdin=stdin,
        capture_output=True,
        timeout=timeout_s,
    )


def images_on_node(layout: ClusterLayout) -> set[str]:
    result = ctr(layout, "images", "list", "-q")
    if result.returncode != 0:
        raise PlatformError(
            "Could not list the node's images: " + result.stderr.decode(errors="replace").strip()
        )
    return set(result.stdout.decode().split())


def _single_binary_image(client: Any, binary: Path, image: str, changes: list[str]) -> None:
    """`docker import` a root file system holding only `binary` at /."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(str(binary), arcname=binary.name, filter=_executable)
    repository, _, tag = image.partition(":")
    client.api.import_image_from_data(
        buffer.getvalue(), repository=repository, tag=tag, changes=changes
    )


def _executable(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o755, 0, 0, "root", "root"
    return info


def ensure_node_images(client: Any, layout: ClusterLayout) -> None:
    """Make the pause and CoreDNS images in Docker if they are missing."""
    present = {tag for item in client.images.list() for tag in item.tags}
    if PAUSE_IMAGE not in present:
        _single_binary_image(
            client,
            layout.binary("pause"),
            PAUSE_IMAGE,
            ['ENTRYPOINT ["/pause"]', "USER 65535:65535"],
        )
    if COREDNS_IMAGE not in present:
        _single_binary_image(
            client, layout.binary("coredns"), COREDNS_IMAGE, ['ENTRYPOINT ["/coredns"]']
        )


def load_images(
    layout: ClusterLayout, images: Iterable[str], on_message: Callable[[str], None] = print
) -> list[str]:
    """Import the Docker images the node lacks into its containerd; returns those it loaded."""
    present = images_on_node(layout)
    missing = sorted({image for image in images if node_name(image) not in present})
    if not missing:
        return []
    on_message(f"loading {len(missing)} image(s) into the node: {', '.join(missing)}")
    save = subprocess.Popen(["docker", "save", *missing], stdout=subprocess.PIPE)
    try:
        result = ctr(layout, "images", "import", "-", stdin=save.stdout)
    finally:
        if save.stdout is not None:
            save.stdout.close()
        save.wait(timeout=300)
    if save.returncode != 0 or result.returncode != 0:
        raise PlatformError(
            f"Loading {', '.join(missing)} into the node failed: "
            + result.stderr.decode(errors="replace").strip()
        )
    return missing
