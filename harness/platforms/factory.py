"""Which platform a run deploys on, made from its name and the run's options."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.markup import escape

from harness.errors import PlatformError
from harness.images.builder import ImagePlan, require_images_declared
from harness.ledger import Ledger
from harness.platforms.base import Platform
from harness.run_model import RunOptions
from harness.split_plan import SplitPlan, refuse_split_on
from harness.system import SystemSpec
from harness.traces.choice import traces_wanted

# `offline`: make (once) and use the debootstrap base; an image name: use it as every build's
# base; unset: each Dockerfile's own default base (the engine must have it or pull it)
DOCKER_BASE_ENV = "FIREBREAK_DOCKER_BASE"


def image_plan_from_env() -> ImagePlan:
    choice = os.environ.get(DOCKER_BASE_ENV, "").strip()
    if choice == "offline":
        return ImagePlan(offline_base=True)
    return ImagePlan(base=choice or None)


def preflight(platform_name: str, system: SystemSpec, fault_types: set[str] | None = None) -> None:
    """What can be told wrong before anything starts (exit 2 on bad input; a kube context off
    the allowlist, or a pause a cluster cannot do, is refused before anything is touched)."""
    if platform_name in ("docker", "kubernetes"):
        require_images_declared(system)
    if platform_name == "local":
        from harness.platforms.local.platform import refuse_container_only_parts

        refuse_container_only_parts(system)
    if platform_name == "kubernetes":
        from harness.platforms.kubernetes.target import target_from_env

        target = target_from_env()
        if "pause" in (fault_types or set()) and not target.is_local_node:
            raise PlatformError(
                f"The scenario pauses instances, and Firebreak can freeze a pod's processes only "
                f"on its own node (`firebreak-local`), not on `{target.context}`; nothing was "
                "touched."
            )
    elif platform_name not in ("local", "docker"):
        raise PlatformError(
            f"The `{platform_name}` platform is not available in this version of Firebreak; "
            "use `--platform local`, `docker` or `kubernetes`."
        )


def make_platform(
    platform_name: str,
    system: SystemSpec,
    run_dir: Path,
    ledger: Ledger,
    options: RunOptions,
    on_message: Callable[[str], None],
    restart_delay_s: float = 1.0,
    http_edges: frozenset[str] = frozenset(),
    balanced_edges: frozenset[str] | None = None,
    split: SplitPlan | None = None,
) -> Platform:
    """`http_edges`: the edges served in HTTP mode (HTTP faults, requests counted).
    `balanced_edges`: on Docker and Kubernetes, the edges that pass the run's balancer, whose
    traffic is counted (None: every edge); the local platform's balancer is on every edge."""
    preflight(platform_name, system)
    if split is not None:  # the runner refused what a platform cannot hold; this is a guard
        refuse_split_on(platform_name, system, split)
    if platform_name == "kubernetes":
        from harness.platforms.kubernetes.platform import KubernetesPlatform

        return KubernetesPlatform(
            system,
            run_dir,
            ledger=ledger,
            env_overrides=options.env_overrides,
            images=image_plan_from_env(),
            on_message=lambda message: on_message(escape(message)),
            http_edges=http_edges,
            balanced_edges=balanced_edges,
            split=split,
            traces=traces_wanted(options.traces, system),
        )
    if platform_name == "docker":
        from harness.platforms.docker.platform import DockerPlatform

        return DockerPlatform(
            system,
            run_dir,
            ledger=ledger,
            restart_delay_s=restart_delay_s,
            env_overrides=options.env_overrides,
            images=image_plan_from_env(),
            http_edges=http_edges,
            balanced_edges=balanced_edges,
            split=split,
            traces=traces_wanted(options.traces, system),
            # build output holds brackets (`wheel[s]`) that a rich console would read as markup
            on_message=lambda message: on_message(escape(message)),
        )
    from harness.platforms.local.platform import LocalPlatform

    return LocalPlatform(
        system,
        run_dir,
        ledger=ledger,
        restart_delay_s=restart_delay_s,
        port_offset=options.port_offset,
        env_overrides=options.env_overrides,
        http_edges=http_edges,
        split=split,
        traces=traces_wanted(options.traces, system),
    )
