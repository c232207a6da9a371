"""A base image made here, for machines that reach no registry (air-gapped CI, this one).

`debootstrap --variant=minbase` lays down a Debian root file system from the mirror apt already
uses, with Python and Node.js; `docker import` turns it into an image. It is made once and found
again by its tag, which hashes the recipe: about 260 MB, 36 s on a quiet machine, minutes on a
busy one.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import PlatformError, ToolMissingError
from harness.images.wheelhouse import cache_dir

if TYPE_CHECKING:
    import docker

SUITE = "bookworm"
# haproxy: the Docker platform's HTTP faults run in a container of this base (HAProxy with Lua);
# redis-server: examples/bookshop's cache, built on this base where no registry has `redis:7`
PACKAGES = ("python3", "python3-venv", "nodejs", "ca-certificates", "haproxy", "redis-server")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
BASE_REPOSITORY = "firebreak/base"
APT_SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))
# what `docker import` cannot know from a bare file system
IMPORT_CHANGES = [
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["/bin/bash"]',
]
# debootstrap prints a line per package; these say where it is
PER_PACKAGE = re.compile(r"^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) \S+")


def apt_mirror() -> str:
    """The Debian mirror apt already uses (the one this machine can reach)."""
    for sources in APT_SOURCES:
        if not sources.is_file():
            continue
        text = sources.read_text()
        found = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.MULTILINE) or re.search(
            r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)\s+", text, re.MULTILINE
        )
        if found:
            return found.group(1)
    return DEFAULT_MIRROR


def base_tag(mirror: str | None = None) -> str:
    recipe = f"{SUITE} {' '.join(PACKAGES)} {mirror or apt_mirror()}"
    return f"{BASE_REPOSITORY}:{SUITE}-{hashlib.sha256(recipe.encode()).hexdigest()[:10]}"


def has_image(client: docker.DockerClient, reference: str) -> bool:
    import docker

    try:
        client.images.get(reference)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_offline_base(
    client: docker.DockerClient, on_message: Callable[[str], None] = print
) -> str:
    """The offline base's tag, made first if this engine does not have it."""
    mirror = apt_mirror()
    tag = base_tag(mirror)
    if has_image(client, tag):
        return tag
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "offline-base.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second build waits for the first, then finds it
        if has_image(client, tag):
            return tag
        rootfs = folder / f"rootfs-{tag.rpartition(':')[2]}"
        _debootstrap(rootfs, mirror, on_message)
        on_message(f"Importing {rootfs} as {tag} ...")
        _import(client, rootfs, tag)
        shutil.rmtree(rootfs, ignore_errors=True)
    return tag


def _debootstrap(rootfs: Path, mirror: str, on_message: Callable[[str], None]) -> None:
    binary = shutil.which("debootstrap") or (
        "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None
    )
    if binary is None:
        raise ToolMissingError(
            "debootstrap is needed to make the offline base image: `apt-get install -y "
            "debootstrap` (or pass `--base IMAGE` with a base this engine already has)."
        )
    shutil.rmtree(rootfs, ignore_errors=True)  # a half-made one from an interrupted build
    command = [
        binary,
        "--variant=minbase",
        f"--include={','.join(PACKAGES)}",
        SUITE,
        str(rootfs),
        mirror,
    ]
    on_message(f"Making the offline base: {' '.join(command)} (about a minute, more when busy)")
    packages_done = 0
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        tail: list[str] = []
        for line in process.stdout:
            tail = [*tail[-20:], line.rstrip()]
            if PER_PACKAGE.match(line):
                packages_done += 1
                if packages_done % 100 == 0:
                    on_message(f"  debootstrap: {packages_done} package steps done")
            elif line.startswith(("I: Base system installed", "I: Retrieving Release")):
                on_message(f"  debootstrap: {line.strip()[3:]}")
    if process.returncode != 0:
        raise PlatformError(
            f"debootstrap failed (exit {process.returncode}) making {rootfs}:\n" + "\n".join(tail)
        )
    # the package lists and downloaded .debs are half the size and of no use in an image
    for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for path in (rootfs / leftover).glob("*"):
            if path.is_file():
                path.unlink()


def _import(client: docker.DockerClient, rootfs: Path, tag: str) -> None:
    repository, _, version = tag.rpartition(":")
    with subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    ) as tar:
        client.api.import_image_from_stream(
            tar.stdout, repository=repository, tag=version, changes=IMPORT_CHANGES
        )
    if tar.returncode != 0 or not has_image(client, tag):
        raise PlatformError(f"`docker import` of {rootfs} did not make {tag}.")
