"""`firebreak build`: the images a system needs, from the `build:` entries of its system.yaml.

Services that share a build entry share one image (tagged once per service name). Each image is
tagged `fb-<hash>` over its inputs, so an unchanged one is found, not rebuilt; a service with only
`image:` runs that image as it is.
"""

from __future__ import annotations

import io
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness import __version__
from harness.errors import PlatformError, SystemSpecError
from harness.images.context import BuildContext
from harness.images.offline_base import ensure_offline_base, has_image
from harness.images.wheelhouse import wheels_for
from harness.system import SystemSpec

if TYPE_CHECKING:
    import docker

TAG_PREFIX = "fb-"
NO_REGISTRY_HINT = (
    " (the base image is not on this engine and no registry answered: build with "
    "`--offline-base`, or set FIREBREAK_DOCKER_BASE=offline or to a base this engine has)"
)


@dataclass(frozen=True)
class BuiltImage:
    services: tuple[str, ...]
    reference: str  # the first service's name:tag; the others are tags of the same image
    image_id: str
    built: bool  # False when found by its hash
    seconds: float


@dataclass(frozen=True)
class ImagePlan:
    """How a system's images come about: one base for every build (`None`: each Dockerfile's
    own default, which the engine must have or be able to pull)."""

    base: str | None = None
    offline_base: bool = False
    no_cache: bool = False


def base_image_of(
    client: docker.DockerClient, plan: ImagePlan, on_message: Callable[[str], None] = print
) -> str | None:
    """The base every image of a plan builds on: the plan's, or the offline one (made once)."""
    if plan.base:
        return plan.base
    return ensure_offline_base(client, on_message) if plan.offline_base else None


def repository_of(system: SystemSpec, service: str) -> str:
    return system.services[service].image or f"firebreak/{system.name}-{service}"


def require_images_declared(system: SystemSpec) -> None:
    """Every service needs `build:` or `image:` on Docker; said before anything starts."""
    for service, spec in system.services.items():
        if spec.build is None and spec.image is None:
            raise SystemSpecError(
                "the Docker platform needs `build:` (a context and Dockerfile) or `image:` "
                "for every service",
                path=str(system.path),
                field=f"services.{service}",
            )


def images_for(
    client: docker.DockerClient,
    system: SystemSpec,
    plan: ImagePlan,
    on_message: Callable[[str], None] = print,
) -> tuple[dict[str, str], list[BuiltImage]]:
    """Service → the image reference to run; builds what is missing. Raises `SystemSpecError`
    for a service with neither `build:` nor `image:`, before anything is built."""
    require_images_declared(system)
    groups: dict[tuple[Path, str], list[str]] = {}
    references: dict[str, str] = {}
    for service, spec in system.services.items():
        if spec.build is not None:
            folder = (system.folder / spec.build.context).resolve()
            groups.setdefault((folder, spec.build.dockerfile), []).append(service)
        elif spec.image is not None:
            references[service] = spec.image
    # an image named without `build:` (an image-only service's) is used as it is, never built
    # nor pulled: every missing one is said at once, before a build takes minutes
    missing = [
        f"`{ref}` of `{svc}`" for svc, ref in references.items() if not has_image(client, ref)
    ]
    if missing:
        raise PlatformError(
            f"Not on this engine: {', '.join(missing)}; pull or load each first (Firebreak runs "
            "an image named without `build:` as it is, and does not pull it)."
        )
    base = base_image_of(client, plan, on_message)
    results = []
    for (folder, dockerfile), services in groups.items():
        built = _build(client, system, folder, dockerfile, services, base, plan, on_message)
        results.append(built)
        for service in services:
            references[service] = f"{repository_of(system, service)}:{_tag(built)}"
    return references, results


def _tag(built: BuiltImage) -> str:
    return built.reference.rpartition(":")[2]


def _build(
    client: docker.DockerClient,
    system: SystemSpec,
    folder: Path,
    dockerfile: str,
    services: list[str],
    base: str | None,
    plan: ImagePlan,
    on_message: Callable[[str], None],
) -> BuiltImage:
    import docker

    if not (folder / dockerfile).is_file():
        raise SystemSpecError(
            f"there is no Dockerfile at {folder / dockerfile}",
            path=str(system.path),
            field=f"services.{services[0]}.build",
        )
    started = time.monotonic()
    build_args = {"BASE": base} if base else {}
    context = BuildContext(folder, dockerfile, dict(build_args), wheels_for(folder, on_message))
    if base:
        # a rebuilt base (same tag, new id) must rebuild what stands on it
        context.build_args["BASE_ID"] = client.images.get(base).id
    tag = TAG_PREFIX + context.content_hash()
    references = [f"{repository_of(system, service)}:{tag}" for service in services]
    if not plan.no_cache and has_image(client, references[0]):
        for reference in references[1:]:
            client.images.get(references[0]).tag(*reference.rsplit(":", 1))
        image_id = client.images.get(references[0]).id
        return BuiltImage(tuple(services), references[0], image_id, False, _since(started))
    on_message(f"Building {references[0]} from {folder / dockerfile} ...")
    build_args.update({"VERSION": __version__, "REVISION": _source_commit(folder)})
    image_id = ""
    log: list[str] = []
    try:
        for chunk in client.api.build(
            fileobj=io.BytesIO(context.tar_bytes()),
            custom_context=True,
            dockerfile=dockerfile,
            tag=references[0],
            buildargs=build_args,
            rm=True,
            forcerm=True,
            nocache=plan.no_cache,
            decode=True,
        ):
            if "error" in chunk:
                raise PlatformError(
                    f"Building {references[0]} failed: {chunk['error'].strip()}"
                    + (NO_REGISTRY_HINT if "registry" in chunk["error"] else "")
                    + "\n"
                    + "".join(log[-15:])
                )
            text = chunk.get("stream", "")
            log.append(text)
            if text.startswith("Step "):
                on_message("  " + text.strip())
            image_id = chunk.get("aux", {}).get("ID", image_id)
    except docker.errors.APIError as exc:
        raise PlatformError(f"Building {references[0]} failed: {exc.explanation}") from None
    for reference in references[1:]:
        client.images.get(references[0]).tag(*reference.rsplit(":", 1))
    return BuiltImage(tuple(services), references[0], image_id, True, _since(started))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def _source_commit(folder: Path) -> str:
    """The commit the sources come from, for the image's OCI revision label."""
    done = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else "unknown"
