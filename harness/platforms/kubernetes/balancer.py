"""The Kubernetes platform's balancer: one HAProxy pod (Deployment, Service and the run's
configuration as a ConfigMap) holding a frontend for every edge: HTTP for the edges a run may put
HTTP faults on or must count requests of, TCP for the rest. Each edge's Toxiproxy proxy dials the
balancer's Service on the edge's own port; the balancer forwards to the callee's Service address,
which kube-proxy balances over its ready pods. It counts each edge's traffic
(`harness.balancer.stats`). The host reaches the runtime API through a port-forward, as it
reaches Toxiproxy's."""

from __future__ import annotations

from typing import Any

from kubernetes import client as k8s

from harness.balancer.dns_config import DnsEdge, render_dns_config
from harness.edge_protocol import edge_protocol
from harness.images.balancer_image import API_PORT, LUA_PATH
from harness.platforms.kubernetes.api import (
    create_objects,
    service_cluster_ips,
    wait_deployments_available,
)
from harness.platforms.kubernetes.manifests import (
    LABEL_ROLE,
    LABEL_RUN,
    ManifestPlan,
    _labels,
    _meta,
    edge_ports,
    one_pod_deployment,
    service_alias,
)
from harness.platforms.kubernetes.split_arms import front_door_servers
from harness.split_plan import SplitPlan, tells_arms
from harness.system import SystemSpec

BALANCER_NAME = "http-balancer"
RUN_CONFIG_DIR = "/etc/firebreak-run"


def balancer_config(edges: list[DnsEdge]) -> str:
    """Every callee by its Service's address: no resolver, nothing for the pod to look up."""
    return render_dns_config(edges, API_PORT, LUA_PATH, nameserver=None)


def balancer_objects(
    system: SystemSpec, plan: ManifestPlan, image: str, edges: list[DnsEdge]
) -> list[dict[str, Any]]:
    ports = [{"name": "api", "port": API_PORT}] + [
        {"name": f"edge-{edge.port}", "port": edge.port} for edge in edges
    ]
    selector = {"app": BALANCER_NAME, LABEL_RUN: plan.run_label}
    labels = _labels(plan, system, app=BALANCER_NAME, **{LABEL_ROLE: "balancer"})
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(BALANCER_NAME, plan, labels),
        "data": {"haproxy.cfg": balancer_config(edges)},
    }
    container = {
        "name": BALANCER_NAME,
        "image": image,
        "imagePullPolicy": plan.pull_policy,
        "command": ["haproxy", "-db", "-f", f"{RUN_CONFIG_DIR}/haproxy.cfg"],
        "ports": [{"name": p["name"], "containerPort": p["port"]} for p in ports],
        "readinessProbe": {"tcpSocket": {"port": API_PORT}, "periodSeconds": 1},
        "volumeMounts": [{"name": "config", "mountPath": RUN_CONFIG_DIR}],
    }
    deployment = one_pod_deployment(
        BALANCER_NAME,
        plan,
        labels,
        selector,
        container,
        volumes=[{"name": "config", "configMap": {"name": BALANCER_NAME}}],
    )
    k8s_service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(BALANCER_NAME, plan, _labels(plan, system, app=BALANCER_NAME)),
        "spec": {"selector": selector, "ports": [{**p, "targetPort": p["port"]} for p in ports]},
    }
    return [config_map, deployment, k8s_service]


def deploy_balancer(
    api: Any,
    system: SystemSpec,
    plan: ManifestPlan,
    image: str,
    http_edges: frozenset[str],
    balanced_edges: frozenset[str] | None = None,
    split: SplitPlan | None = None,
) -> str:
    """Create the balancer on `balanced_edges` (None: every edge; `http_edges` in HTTP mode,
    the rest TCP) once the callees' Services exist, wait until it is available, and return its
    Service's cluster IP (what those edges' proxies dial). A split run's front door has a
    server per arm (split_arms.py)."""
    cluster_ip = service_cluster_ips(api, plan.namespace)
    ports = edge_ports(system)
    edges = [
        DnsEdge(
            edge.name,
            ports[edge.name],
            cluster_ip[service_alias(edge.callee)],
            system.services[edge.callee].port,
            slots=1,
            http=edge.name in http_edges,
            h2=edge_protocol(system, edge.name) == "grpc",
            # a split run's front door: a server per arm, each naming itself in every answer
            servers=front_door_servers(split, cluster_ip)
            if split and tells_arms(split, edge.name)
            else (),
            says_server=tells_arms(split, edge.name),
        )
        for edge in system.edges()
        if balanced_edges is None or edge.name in balanced_edges
    ]
    create_objects(api, balancer_objects(system, plan, image, edges), exist_ok=False)
    wait_deployments_available(api, plan.namespace, [BALANCER_NAME], 60)
    return service_cluster_ips(api, plan.namespace)[BALANCER_NAME]


def balancer_pod(api: Any, namespace: str) -> str | None:
    pods = k8s.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=f"app={BALANCER_NAME}")
    live = [p.metadata.name for p in pods.items if p.metadata.deletion_timestamp is None]
    return live[0] if live else None
