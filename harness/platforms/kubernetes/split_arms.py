"""A split run's arms on Kubernetes (issue 24). The cluster names the pods, and a Deployment's
pods share one environment, so an arm here is a Deployment of its own, not a set of replicas:

- **experiment**: the divided service's own Deployment (`<service>`), at the experiment's share
  of the replicas; its pods reach every edge through the edge's own proxy, which the faults act
  on;
- **control**: a second Deployment (`<service>-control`) of the same image, with the rest; its
  environment points the faulted edges at their control proxies in Toxiproxy's pod
  (`CONTROL_PORT_SHIFT` above the edge's port), which no fault touches.

Both carry `app: <service>`, so `svc-<service>` (the other callers' way in) and the pod slots see
one service; each also carries its arm (`io.firebreak/arm`) and has a Service of its own
(`svc-<service>-<arm>`). The front door's balancer holds one server per arm, named after the arm,
at that Service's cluster IP, and names it in each answer's `X-Firebreak-Served-By`; the judge
counts an arm's answers by that name (`SplitPlan.served_by`).

Instance faults have no arm here: which pods a Deployment replaces is the cluster's choice. A
split run on Kubernetes is refused for them (`refuse_split_on`).
"""

from __future__ import annotations

import copy
from typing import Any

from harness.platforms.container_env import CONTROL_PORT_SHIFT, edge_ports
from harness.platforms.kubernetes.manifests import TOXIPROXY_NAME, service_alias, service_env
from harness.split_plan import CONTROL, EXPERIMENT, SplitPlan
from harness.system import SystemSpec

LABEL_ARM = "io.firebreak/arm"


def arm_deployment_name(service: str, arm: str) -> str:
    return service if arm == EXPERIMENT else f"{service}-{arm}"


def arm_service_name(service: str, arm: str) -> str:
    return f"{service_alias(service)}-{arm}"


def control_ports(system: SystemSpec, split: SplitPlan) -> list[int]:
    """Where each faulted edge's control proxy listens in Toxiproxy's pod."""
    ports = edge_ports(system)
    return sorted(ports[edge] + CONTROL_PORT_SHIFT for edge in split.edges)


def with_control_ports(
    objects: list[dict[str, Any]], system: SystemSpec, split: SplitPlan | None
) -> list[dict[str, Any]]:
    """Toxiproxy's Deployment and Service (`toxiproxy_objects`), opened on the control proxies'
    ports too (unchanged for a plain run)."""
    if split is None:
        return objects
    extra = [{"name": f"edge-{port}", "port": port} for port in control_ports(system, split)]
    changed = copy.deepcopy(objects)
    for item in changed:
        if item["metadata"]["name"] != TOXIPROXY_NAME:
            continue
        if item["kind"] == "Deployment":
            (container,) = item["spec"]["template"]["spec"]["containers"]
            container["ports"] += [{"name": p["name"], "containerPort": p["port"]} for p in extra]
        elif item["kind"] == "Service":
            item["spec"]["ports"] += [{**p, "targetPort": p["port"]} for p in extra]
    return changed


def _arm_deployment(
    deployment: dict[str, Any],
    system: SystemSpec,
    split: SplitPlan,
    arm: str,
    overrides: dict[str, str],
) -> dict[str, Any]:
    arm_of = copy.deepcopy(deployment)
    arm_of["metadata"]["name"] = arm_deployment_name(split.service, arm)
    arm_of["metadata"]["labels"][LABEL_ARM] = arm
    spec = arm_of["spec"]
    spec["replicas"] = len(split.experiment if arm == EXPERIMENT else split.control)
    spec["selector"]["matchLabels"][LABEL_ARM] = arm
    spec["template"]["metadata"]["labels"][LABEL_ARM] = arm
    if arm == CONTROL:
        (container,) = spec["template"]["spec"]["containers"]
        container["env"] = service_env(system, split.service, overrides, split.edges)
    return arm_of


def _arm_service(k8s_service: dict[str, Any], service: str, arm: str) -> dict[str, Any]:
    """The service's own Service (`svc-<service>`), narrowed to one arm's pods."""
    arm_of = copy.deepcopy(k8s_service)
    arm_of["metadata"]["name"] = arm_service_name(service, arm)
    arm_of["metadata"]["labels"][LABEL_ARM] = arm
    arm_of["spec"]["selector"][LABEL_ARM] = arm
    return arm_of


def with_arms(
    objects: list[dict[str, Any]],
    system: SystemSpec,
    split: SplitPlan | None,
    env_overrides: dict[str, dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """The replicas' objects (`replica_objects`) with the divided service's Deployment made
    into the two arms, and beside its Service one for each arm (unchanged for a plain run)."""
    if split is None:
        return objects
    service = split.service
    overrides = (env_overrides or {}).get(service, {})
    changed: list[dict[str, Any]] = []
    for item in objects:
        name = item["metadata"]["name"]
        if item["kind"] == "Deployment" and name == service:
            changed += [
                _arm_deployment(item, system, split, arm, overrides)
                for arm in (EXPERIMENT, CONTROL)
            ]
            continue
        changed.append(item)
        if item["kind"] == "Service" and name == service_alias(service):
            changed += [_arm_service(item, service, arm) for arm in (EXPERIMENT, CONTROL)]
    return changed


def front_door_servers(
    split: SplitPlan, cluster_ips: dict[str, str]
) -> tuple[tuple[str, str], ...]:
    """The front door's balancer servers: one per arm, named after it, at its Service."""
    return tuple(
        (arm, cluster_ips[arm_service_name(split.service, arm)]) for arm in (EXPERIMENT, CONTROL)
    )
