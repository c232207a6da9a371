"""Which cluster a Kubernetes run acts on, and the rules that keep it from acting anywhere else.

Firebreak acts only in a kube context on an allowlist: `firebreak-local` (the node it runs
itself) and the contexts named in `FIREBREAK_K8S_CONTEXTS` (comma-separated). A context off
the list is refused before anything is touched. Within a cluster it acts only in namespaces it
created for the run (labelled `io.firebreak/run`), and `firebreak cleanup` deletes only those.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harness.cluster.layout import CONTEXT_NAME, default_layout
from harness.errors import PlatformError
from harness.platforms.docker.engine import owner_alive as owner_label_alive
from harness.platforms.docker.engine import owner_label
from harness.platforms.kubernetes.images import registry_from_env

CONTEXT_ENV = "FIREBREAK_KUBE_CONTEXT"
KUBECONFIG_ENV = "FIREBREAK_KUBECONFIG"
ALLOWLIST_ENV = "FIREBREAK_K8S_CONTEXTS"


@dataclass(frozen=True)
class KubeTarget:
    context: str
    kubeconfig: Path | None  # None: the client's default (KUBECONFIG, ~/.kube/config)
    registry: str | None = None  # where the run's images go for the nodes to pull (kube_images)

    @property
    def is_local_node(self) -> bool:
        return self.context == CONTEXT_NAME


def allowed_contexts() -> set[str]:
    extra = os.environ.get(ALLOWLIST_ENV, "")
    return {CONTEXT_NAME, *(name.strip() for name in extra.split(",") if name.strip())}


def target_from_env(context: str | None = None) -> KubeTarget:
    """The context asked for (argument, `FIREBREAK_KUBE_CONTEXT`, else `firebreak-local`),
    refused unless it is on the allowlist."""
    chosen = context or os.environ.get(CONTEXT_ENV) or CONTEXT_NAME
    allowed = allowed_contexts()
    if chosen not in allowed:
        raise PlatformError(
            f"Kube context `{chosen}` is not on Firebreak's allowlist ({', '.join(sorted(allowed))}"
            f"); nothing was touched. Add it to {ALLOWLIST_ENV} (comma-separated) if Firebreak "
            "may create namespaces and delete pods there."
        )
    registry = registry_from_env()
    override = os.environ.get(KUBECONFIG_ENV)
    if override:
        return KubeTarget(chosen, Path(override), registry)
    if chosen == CONTEXT_NAME:
        return KubeTarget(chosen, default_layout().kubeconfig, registry)
    return KubeTarget(chosen, None, registry)


def owner_value() -> str:
    """This process as an `io.firebreak/owner` label value."""
    return owner_label(separator="-")


def owner_alive(value: str) -> bool:
    return owner_label_alive(value, separator="-")
