"""What a crashed Kubernetes run leaves, found and removed: its namespace (named in its ledger,
or labelled with an owner that is gone), and a local node whose `up` or owner died."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from harness.errors import FirebreakError

NAMESPACE_TIMEOUT_S = 60.0


def remove_kube_run(namespace: str, context: str, kubeconfig: str) -> int:
    """Delete one run's namespace; 1 if it was there, 0 otherwise (or the cluster is away)."""
    from kubernetes import client as k8s

    from harness.platforms.kubernetes.api import api_client, delete_namespace
    from harness.platforms.kubernetes.platform import DATA_ROOT

    try:
        api = api_client(Path(kubeconfig) if kubeconfig else None, context)
        k8s.CoreV1Api(api).read_namespace(namespace, _request_timeout=5)
    except Exception:
        return 0
    with contextlib.suppress(FirebreakError, k8s.ApiException):
        delete_namespace(api, namespace, NAMESPACE_TIMEOUT_S)
    shutil.rmtree(DATA_ROOT / namespace, ignore_errors=True)
    return 1


def clean_orphaned_kube_runs() -> int:
    """Namespaces on the local node whose owner label names a process that is gone; and the
    local node itself when it was started for a process that is gone. Nothing when it is down."""
    from harness.cluster.layout import CONTEXT_NAME, default_layout
    from harness.cluster.node import LocalCluster

    layout = default_layout()
    cluster = LocalCluster(layout, on_message=lambda message: None)
    if not layout.kubeconfig.is_file() or not cluster.status().running.get("kube-apiserver"):
        return 0
    removed = 0
    with contextlib.suppress(Exception):
        removed += _orphaned_namespaces(str(layout.kubeconfig), CONTEXT_NAME)
    if cluster.orphaned():
        cluster.down()
        removed += 1
    return removed


def _orphaned_namespaces(kubeconfig: str, context: str) -> int:
    from kubernetes import client as k8s

    from harness.platforms.kubernetes.api import api_client
    from harness.platforms.kubernetes.manifests import LABEL_OWNER, LABEL_RUN
    from harness.platforms.kubernetes.target import owner_alive

    api = api_client(Path(kubeconfig), context)
    listed = k8s.CoreV1Api(api).list_namespace(label_selector=LABEL_RUN, _request_timeout=5)
    removed = 0
    for namespace in listed.items:
        owner = (namespace.metadata.labels or {}).get(LABEL_OWNER, "")
        if namespace.status.phase != "Terminating" and not owner_alive(owner):
            removed += remove_kube_run(namespace.metadata.name, context, kubeconfig)
    return removed
