"""A Kubernetes run's Jaeger: one pod of the image the project builds, behind a Service named
`jaeger` in the run's namespace (the services send there), read by the harness through a
port-forward of the API server like every other part; gone with the namespace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import kubernetes.client as k8s

from harness.errors import PlatformError
from harness.images.jaeger_image import CONTAINER_PORTS
from harness.platforms.kubernetes.api import wait_deployments_available
from harness.platforms.kubernetes.forward import PodPortForward
from harness.platforms.kubernetes.manifests import (
    LABEL_ROLE,
    LABEL_RUN,
    ManifestPlan,
    _labels,
    _meta,
    _probe,
    one_pod_deployment,
)
from harness.system import SystemSpec
from harness.traces.jaeger_server import JAEGER_VERSION, wait_query_ready
from harness.traces.otel_env import otel_environment

JAEGER_NAME = "jaeger"


def jaeger_objects(system: SystemSpec, plan: ManifestPlan, image: str) -> list[dict[str, Any]]:
    """Jaeger's Deployment and Service."""
    ports = [
        {"name": "otlp-http", "port": CONTAINER_PORTS.otlp_http},
        {"name": "query", "port": CONTAINER_PORTS.query_http},
    ]
    selector = {"app": JAEGER_NAME, LABEL_RUN: plan.run_label}
    labels = _labels(plan, system, app=JAEGER_NAME, **{LABEL_ROLE: "jaeger"})
    container = {
        "name": JAEGER_NAME,
        "image": image,
        "imagePullPolicy": plan.pull_policy,
        "ports": [{"name": p["name"], "containerPort": p["port"]} for p in ports],
        "readinessProbe": _probe("/api/services", CONTAINER_PORTS.query_http, 1, 3),
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(JAEGER_NAME, plan, _labels(plan, system, app=JAEGER_NAME)),
        "spec": {"selector": selector, "ports": [{**p, "targetPort": p["port"]} for p in ports]},
    }
    return [one_pod_deployment(JAEGER_NAME, plan, labels, selector, container), service]


def with_otel_env(
    system: SystemSpec, overrides: dict[str, dict[str, str]], run_id: str
) -> dict[str, dict[str, str]]:
    """Each traced service's overrides with the OTEL settings; each pod names itself as its
    instance (`$(FIREBREAK_INSTANCE)`, which Kubernetes expands from the pod's own name)."""
    endpoint = f"http://{JAEGER_NAME}:{CONTAINER_PORTS.otlp_http}"
    found = {service: dict(values) for service, values in overrides.items()}
    for service in system.traced_services():
        otel = otel_environment(endpoint, service, run_id, "$(FIREBREAK_INSTANCE)")
        found[service] = {**otel, **found.get(service, {})}
    return found


class ForwardedJaeger:
    """The run's Jaeger as the harness reaches it: port-forwards of its query and OTLP ports."""

    def __init__(self, query: PodPortForward, otlp: PodPortForward) -> None:
        self.query = query
        self.otlp = otlp

    @property
    def query_url(self) -> str:
        return self.query.url

    @property
    def harness_otlp_url(self) -> str:
        return self.otlp.url

    @property
    def version(self) -> str:
        return JAEGER_VERSION

    @property
    def pid(self) -> int | None:
        return None


Forwarder = Callable[[Callable[[], str | None], int, str], PodPortForward]


def connect_jaeger(api: k8s.ApiClient, namespace: str, forward: Forwarder) -> ForwardedJaeger:
    """Jaeger's query and OTLP ports through port-forwards, once its pod answers."""
    wait_deployments_available(api, namespace, [JAEGER_NAME], 60)
    pods = k8s.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=f"app={JAEGER_NAME}")
    pod = next((p.metadata.name for p in pods.items if p.metadata.deletion_timestamp is None), None)
    if pod is None:
        raise PlatformError(f"Jaeger's pod in `{namespace}` is gone.")
    query = forward(lambda: pod, CONTAINER_PORTS.query_http, "jaeger-query")
    otlp = forward(lambda: pod, CONTAINER_PORTS.otlp_http, "jaeger-otlp")
    wait_query_ready(query.url, 20)
    return ForwardedJaeger(query, otlp)
