"""The few things both the local node and the Kubernetes platform ask of the API, on the
`kubernetes` client: a client for a kubeconfig's context, creating objects, and waiting with
watches (never sleeps) for a Deployment to be available or a node to be Ready.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import utils as k8s_utils
from kubernetes import watch

from harness.errors import PlatformError


def api_client(kubeconfig: Path | None, context: str | None) -> k8s.ApiClient:
    try:
        return k8s_config.new_client_from_config(
            config_file=str(kubeconfig) if kubeconfig else None, context=context
        )
    except (k8s_config.ConfigException, OSError) as exc:
        raise PlatformError(
            f"Cannot use kube context `{context or '(current)'}` from "
            f"{kubeconfig or '~/.kube/config'}: {exc}"
        ) from None


def create_objects(api: k8s.ApiClient, objects: Iterable[dict[str, Any]], exist_ok: bool) -> None:
    """Create each object; with `exist_ok`, one that exists already is left as it is."""
    for obj in objects:
        try:
            k8s_utils.create_from_dict(api, obj)
        except k8s_utils.FailToCreateError as exc:
            conflicts = [e for e in exc.api_exceptions if getattr(e, "status", None) == 409]
            if not (exist_ok and len(conflicts) == len(exc.api_exceptions)):
                reasons = "; ".join(str(getattr(e, "reason", e)) for e in exc.api_exceptions)
                kind = obj.get("kind")
                name = obj.get("metadata", {}).get("name")
                raise PlatformError(f"Creating {kind} `{name}` failed: {reasons}") from None


def _deployment_available(item: Any) -> bool:
    status = item.status
    wanted = item.spec.replicas if item.spec.replicas is not None else 1
    return (
        status is not None
        and (status.observed_generation or 0) >= (item.metadata.generation or 0)
        and (status.updated_replicas or 0) == wanted
        and (status.available_replicas or 0) == wanted
        and (status.replicas or 0) == wanted
    )


def wait_deployments_available(
    api: k8s.ApiClient, namespace: str, names: Iterable[str], timeout_s: float
) -> None:
    """Watch the namespace's Deployments until every one named is fully available."""
    apps = k8s.AppsV1Api(api)
    waiting = set(names)
    deadline = time.monotonic() + timeout_s
    while waiting:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PlatformError(
                f"Deployments not available in namespace `{namespace}` after {timeout_s:.0f} s: "
                + ", ".join(sorted(waiting))
            )
        listed = apps.list_namespaced_deployment(namespace)
        for item in listed.items:
            if item.metadata.name in waiting and _deployment_available(item):
                waiting.discard(item.metadata.name)
        if not waiting:
            return
        stream = watch.Watch()
        for event in stream.stream(
            apps.list_namespaced_deployment,
            namespace,
            resource_version=listed.metadata.resource_version,
            timeout_seconds=max(1, int(min(remaining, 30))),
        ):
            item = event["object"]
            if item.metadata.name in waiting and _deployment_available(item):
                waiting.discard(item.metadata.name)
                if not waiting:
                    stream.stop()


def node_ready(api: k8s.ApiClient, name: str) -> bool:
    try:
        node = k8s.CoreV1Api(api).read_node(name)
    except k8s.ApiException:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def wait_node_ready(api: k8s.ApiClient, name: str, timeout_s: float) -> None:
    core = k8s.CoreV1Api(api)
    deadline = time.monotonic() + timeout_s
    while not node_ready(api, name):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PlatformError(f"Node `{name}` was not Ready within {timeout_s:.0f} s.")
        stream = watch.Watch()
        for event in stream.stream(
            core.list_node,
            field_selector=f"metadata.name={name}",
            timeout_seconds=max(1, int(min(remaining, 5))),
        ):
            conditions = event["object"].status.conditions or []
            if any(c.type == "Ready" and c.status == "True" for c in conditions):
                stream.stop()


def delete_namespace(
    api: k8s.ApiClient, namespace: str, timeout_s: float, label: str = "io.firebreak/run"
) -> bool:
    """Delete a namespace carrying `label` (refusing any other) and wait until it is gone."""
    core = k8s.CoreV1Api(api)
    try:
        found = core.read_namespace(namespace)
    except k8s.ApiException as exc:
        if exc.status == 404:
            return True
        raise
    if label not in (found.metadata.labels or {}):
        raise PlatformError(f"Namespace `{namespace}` is not Firebreak's; it was left alone.")
    with contextlib.suppress(k8s.ApiException):
        core.delete_namespace(namespace, grace_period_seconds=0, propagation_policy="Background")
    # The namespace controller deletes pods with their own grace and then waits for the kubelet
    # to confirm each one (about 8 s for the sample here). A terminating namespace accepts no
    # new pod, so its pods can go at once: the kubelet stops their containers right after.
    with contextlib.suppress(k8s.ApiException):
        core.delete_collection_namespaced_pod(namespace, grace_period_seconds=0)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            core.read_namespace(namespace)
        except k8s.ApiException as exc:
            if exc.status == 404:
                return True
        stream = watch.Watch()
        for event in stream.stream(
            core.list_namespace, field_selector=f"metadata.name={namespace}", timeout_seconds=2
        ):
            if event["type"] == "DELETED":
                stream.stop()
    return False


def wait_default_service_account(
    api: k8s.ApiClient, namespace: str, timeout_s: float = 30.0
) -> None:
    """Pods are refused until a new namespace's `default` ServiceAccount exists."""
    core = k8s.CoreV1Api(api)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(k8s.ApiException):
            core.read_namespaced_service_account("default", namespace)
            return
        stream = watch.Watch()
        for _event in stream.stream(
            core.list_namespaced_service_account, namespace, timeout_seconds=2
        ):
            stream.stop()
    raise PlatformError(f"Namespace `{namespace}` got no default ServiceAccount.")


def service_cluster_ips(api: k8s.ApiClient, namespace: str) -> dict[str, str]:
    """Service name → its ClusterIP (headless Services have none and are left out)."""
    services = k8s.CoreV1Api(api).list_namespaced_service(namespace).items
    return {
        svc.metadata.name: svc.spec.cluster_ip
        for svc in services
        if svc.spec.cluster_ip and svc.spec.cluster_ip != "None"
    }


def record_pod_event(
    api: k8s.ApiClient, namespace: str, pod: str, reason: str, message: str
) -> None:
    """An Event on the pod, so `kubectl get events` shows what Firebreak did and why."""
    now = datetime.datetime.now(datetime.UTC)
    body = k8s.CoreV1Event(
        metadata=k8s.V1ObjectMeta(generate_name=f"{pod}.firebreak-", namespace=namespace),
        involved_object=k8s.V1ObjectReference(kind="Pod", name=pod, namespace=namespace),
        reason=reason,
        message=message,
        type="Warning",
        source=k8s.V1EventSource(component="firebreak"),
        first_timestamp=now,
        last_timestamp=now,
        count=1,
    )
    with contextlib.suppress(k8s.ApiException):  # an event is a courtesy, not the act itself
        k8s.CoreV1Api(api).create_namespaced_event(namespace, body)
