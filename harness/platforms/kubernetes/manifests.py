"""The Kubernetes objects a system becomes, generated from its `system.yaml` (also written out
for review by `firebreak manifests`).

One Namespace per run; per service a Deployment and a ClusterIP Service (`svc-<name>`); one
Toxiproxy Deployment and Service (`toxiproxy`) holding every edge's proxy, which callers reach at
`toxiproxy:<edge port>` as on the Docker platform, or by the host name they dial (dial.py).
Every object carries `io.firebreak/run`, so teardown and `firebreak cleanup` find it. The probes
come from the service's health paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.cluster.layout import SYN_RETRIES_SYSCTL
from harness.dependency_address import dialed_address
from harness.load.answers import ACCEPTED_ORDERS_ENV
from harness.platforms.container_env import (
    DATA_MOUNT,
    FRONT_DOOR_PORT,
    container_env,
    edge_ports,
)
from harness.platforms.kubernetes.dial import dial_services, host_aliases
from harness.system import SystemSpec

LABEL_RUN = "io.firebreak/run"
LABEL_OWNER = "io.firebreak/owner"
LABEL_ROLE = "io.firebreak/role"
LABEL_PART_OF = "app.kubernetes.io/part-of"
TOXIPROXY_NAME = "toxiproxy"
TOXIPROXY_API_PORT = 8474
CONTAINER_PYTHON = "python3"


def service_alias(service: str) -> str:
    return f"svc-{service}"


@dataclass(frozen=True)
class ManifestPlan:
    """What the objects need beyond the system: where they go and which images they run."""

    namespace: str
    run_label: str
    owner: str
    images: dict[str, str]  # service → image reference the node can run
    toxiproxy_image: str
    pull_policy: str = "Never"  # the local node cannot pull; a registry's images can
    data_root: str = "/var/lib/firebreak/volumes"  # hostPath of each service's shared data
    kill_grace_s: int = 0
    # The Toxiproxy pod's SYN retries, where the cluster allows setting them (the local node).
    # Toxiproxy dials each upstream inside its accept loop, with no timeout: a dial that went to
    # a killed pod's address before kube-proxy forgot it hears nothing back, and the kernel's
    # default (6 retries, about 127 s) held the whole edge that long after the replicas were
    # back. With 1 such a dial gives up after 3 s.
    toxiproxy_syn_retries: int | None = None
    # host-named edge → its dial Service's ClusterIP, known once that Service exists; the
    # callers' pods name it in `hostAliases` (none where it is not known yet)
    dial_ips: dict[str, str] = field(default_factory=dict)


def edge_urls(system: SystemSpec) -> dict[str, str]:
    """Edge name → the URL its caller uses: the host name it dials, or Toxiproxy's edge port."""
    by_name = {edge.name for edge in system.host_named_edges()}
    return {
        name: f"http://{dialed_address(system, name)}"
        if name in by_name
        else f"http://{TOXIPROXY_NAME}:{port}"
        for name, port in edge_ports(system).items()
    }


def _labels(plan: ManifestPlan, system: SystemSpec, **extra: str) -> dict[str, str]:
    return {
        LABEL_RUN: plan.run_label,
        LABEL_OWNER: plan.owner,
        LABEL_PART_OF: system.name,
        **extra,
    }


def _meta(name: str, plan: ManifestPlan, labels: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": plan.namespace, "labels": labels}


def namespace_object(plan: ManifestPlan, system: SystemSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": plan.namespace, "labels": _labels(plan, system)},
    }


def service_env(
    system: SystemSpec,
    service: str,
    overrides: dict[str, str],
    control_edges: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """A pod's environment; `control_edges`: a split run's control arm's (split_arms.py)."""
    env = container_env(system, service, TOXIPROXY_NAME, overrides, control_edges)
    # each pod names itself as a replica does on the other platforms; first, so that a later
    # variable can name it as `$(FIREBREAK_INSTANCE)` (the OTEL resource attributes do)
    items: list[dict[str, Any]] = [
        {"name": "FIREBREAK_INSTANCE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
    ]
    return items + [{"name": key, "value": value} for key, value in env.items()]


def _probe(path: str | None, port: int, period_s: int, failures: int) -> dict[str, Any]:
    """An HTTP GET of `path`, or (None) a TCP connection accepted, as `health: {tcp: true}`."""
    action = (
        {"tcpSocket": {"port": port}} if path is None else {"httpGet": {"path": path, "port": port}}
    )
    return {
        **action,
        "periodSeconds": period_s,
        "timeoutSeconds": 1,
        "failureThreshold": failures,
    }


def service_objects(
    system: SystemSpec, service: str, plan: ManifestPlan, env_overrides: dict[str, str]
) -> list[dict[str, Any]]:
    spec = system.services[service]
    selector = {"app": service, LABEL_RUN: plan.run_label}
    labels = _labels(plan, system, app=service, **{LABEL_ROLE: "replica"})
    # an image-only service runs its image's own entrypoint and command: no `command`, no `args`
    command = (
        {}
        if spec.command is None
        else {"command": [part.replace("{python}", CONTAINER_PYTHON) for part in spec.command]}
    )
    container = {
        "name": service,
        "image": plan.images[service],
        "imagePullPolicy": plan.pull_policy,
        **command,
        "env": service_env(system, service, env_overrides),
        "ports": [{"name": "http", "containerPort": spec.port}],
        # readiness every second, as the other platforms' balancers check: a frozen or dead
        # replica leaves the Service's endpoints within a few seconds
        "readinessProbe": _probe(spec.health.ready_path, spec.port, 1, 2),
        "livenessProbe": _probe(spec.health.live_path, spec.port, 5, 6),
        "volumeMounts": [{"name": "data", "mountPath": DATA_MOUNT}],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(service, plan, labels),
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": plan.kill_grace_s,
                    "enableServiceLinks": False,
                    **_host_aliases(system, service, plan),
                    "containers": [container],
                    # the replicas share their data folder, as they do on the other platforms
                    "volumes": [
                        {
                            "name": "data",
                            "hostPath": {
                                "path": f"{plan.data_root}/{plan.namespace}/{service}",
                                "type": "DirectoryOrCreate",
                            },
                        }
                    ],
                },
            },
        },
    }
    k8s_service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(service_alias(service), plan, _labels(plan, system, app=service)),
        "spec": {
            "selector": selector,
            "ports": [{"name": "http", "port": spec.port, "targetPort": spec.port}],
        },
    }
    return [deployment, k8s_service]


def _host_aliases(system: SystemSpec, service: str, plan: ManifestPlan) -> dict[str, Any]:
    aliases = host_aliases(system, service, plan.dial_ips)
    return {"hostAliases": aliases} if aliases else {}


def _syn_retries(retries: int | None) -> dict[str, Any]:
    if retries is None:
        return {}
    return {"securityContext": {"sysctls": [{"name": SYN_RETRIES_SYSCTL, "value": str(retries)}]}}


def one_pod_deployment(
    name: str,
    plan: ManifestPlan,
    labels: dict[str, str],
    selector: dict[str, str],
    container: dict[str, Any],
    **pod_spec: Any,
) -> dict[str, Any]:
    """A Deployment of one pod of a run's own part (Toxiproxy, the HTTP balancer): gone at
    once when deleted, no service links in its environment."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, plan, labels),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "enableServiceLinks": False,
                    **pod_spec,
                    "containers": [container],
                },
            },
        },
    }


def toxiproxy_objects(system: SystemSpec, plan: ManifestPlan) -> list[dict[str, Any]]:
    """Toxiproxy's Deployment and Service, and each host-named edge's Service (its pod too)."""
    ports = [{"name": "api", "port": TOXIPROXY_API_PORT}] + [
        {"name": f"edge-{port}", "port": port} for port in sorted(edge_ports(system).values())
    ]
    selector = {"app": TOXIPROXY_NAME, LABEL_RUN: plan.run_label}
    labels = _labels(plan, system, app=TOXIPROXY_NAME, **{LABEL_ROLE: "toxiproxy"})
    container = {
        "name": TOXIPROXY_NAME,
        "image": plan.toxiproxy_image,
        "imagePullPolicy": plan.pull_policy,
        "ports": [{"name": p["name"], "containerPort": p["port"]} for p in ports],
        "readinessProbe": _probe("/version", TOXIPROXY_API_PORT, 1, 3),
    }
    deployment = one_pod_deployment(
        TOXIPROXY_NAME,
        plan,
        labels,
        selector,
        container,
        **_syn_retries(plan.toxiproxy_syn_retries),
    )
    k8s_service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(TOXIPROXY_NAME, plan, _labels(plan, system, app=TOXIPROXY_NAME)),
        "spec": {
            "selector": selector,
            "ports": [{**p, "targetPort": p["port"]} for p in ports],
        },
    }
    dial_labels = _labels(plan, system, **{LABEL_ROLE: "dial"})
    return [deployment, k8s_service, *dial_services(system, plan.namespace, dial_labels, selector)]


def replica_objects(
    system: SystemSpec, plan: ManifestPlan, env_overrides: dict[str, dict[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Every service's Deployment and Service (created once `plan.dial_ips` is known)."""
    objects: list[dict[str, Any]] = []
    for service in system.services:
        objects += service_objects(system, service, plan, (env_overrides or {}).get(service, {}))
    return objects


def system_objects(
    system: SystemSpec, plan: ManifestPlan, env_overrides: dict[str, dict[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Every object of a run, in the order they are created."""
    return [
        namespace_object(plan, system),
        *toxiproxy_objects(system, plan),
        *replica_objects(system, plan, env_overrides),
    ]


# -- load from inside the cluster (a scenario's `load.workers`) ----------------------------------
LOAD_MASTER = "load-master"
LOAD_WORKER = "load-worker"
LOAD_MASTER_PORT = 5557
LOAD_CONTAINER = "locust"
LOCUSTFILE_CONFIGMAP = "locustfile"
LOCUSTFILE_MOUNT = "/locust"
LOAD_GO_FILE = "/tmp/firebreak-go"  # the held master starts its users when this exists
POD_ACCEPTED_ORDERS_FILE = "/tmp/accepted-orders.txt"
# a worker prints its accepted orders after this line as it ends: its log outlives the pod's
# processes on any cluster, so the harness reads them there
ACCEPTED_ORDERS_MARK = "@@firebreak accepted orders@@"


@dataclass(frozen=True)
class LoadPlan:
    image: str
    locustfile_text: str
    users: int
    spawn_rate: float
    workers: int
    seed: int | None
    env: dict[str, str]


# Every load pod runs the child under this: SIGTERM (the pod's deletion) reaches the child, which
# stops its users and writes its last second, and the orders it saw accepted follow the mark.
LOAD_POD_SCRIPT = (
    'python3 -m harness.load.child "$@" & child=$!; '
    "trap 'kill -TERM $child 2>/dev/null' TERM INT; "
    "wait $child; code=$?; "
    "while kill -0 $child 2>/dev/null; do wait $child; code=$?; done; "
    f'echo "{ACCEPTED_ORDERS_MARK}"; cat "${ACCEPTED_ORDERS_ENV}" 2>/dev/null; exit $code'
)


def load_objects(system: SystemSpec, plan: ManifestPlan, load: LoadPlan) -> list[dict[str, Any]]:
    """The locustfile as a ConfigMap and a held pod whose log is the load stream: Locust's local
    runner, or with `workers` a master, its Service and one pod per worker. None restarts (a
    load generator that died is a failure to report, not to hide)."""
    labels = _labels(plan, system, **{LABEL_ROLE: "load"})
    env = [{"name": k, "value": v} for k, v in load.env.items() if k != ACCEPTED_ORDERS_ENV]
    env.append({"name": ACCEPTED_ORDERS_ENV, "value": POD_ACCEPTED_ORDERS_FILE})
    locustfile = ["--locustfile", f"{LOCUSTFILE_MOUNT}/locustfile.py"]

    def pod(name: str, app: str, container: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": _meta(name, plan, {**labels, "app": app}),
            "spec": {
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": 15,
                "enableServiceLinks": False,
                "containers": [
                    {
                        "name": LOAD_CONTAINER,
                        "image": load.image,
                        "imagePullPolicy": plan.pull_policy,
                        "command": ["sh", "-c", LOAD_POD_SCRIPT, app],
                        "env": env,
                        "volumeMounts": [{"name": "locustfile", "mountPath": LOCUSTFILE_MOUNT}],
                        **container,
                    }
                ],
                "volumes": [{"name": "locustfile", "configMap": {"name": LOCUSTFILE_CONFIGMAP}}],
            },
        }

    seed = ["--seed", str(load.seed)] if load.seed is not None else []
    args = [
        *locustfile,
        *("--host", f"http://{TOXIPROXY_NAME}:{FRONT_DOOR_PORT}"),
        *("--users", str(load.users), "--spawn-rate", str(load.spawn_rate)),
        *("--hold", "--go-file", LOAD_GO_FILE, *seed),
    ]
    if load.workers:
        args += [
            *("--workers", str(load.workers), "--remote-workers"),
            *("--master-bind", "0.0.0.0", "--master-port", str(LOAD_MASTER_PORT)),
        ]
    master = pod(
        LOAD_MASTER,
        LOAD_MASTER,
        {"args": args, "ports": [{"name": "locust", "containerPort": LOAD_MASTER_PORT}]},
    )
    workers = [
        pod(
            f"{LOAD_WORKER}-{index}",
            LOAD_WORKER,
            {
                "args": [
                    *("--worker", "--master-host", LOAD_MASTER),
                    *("--master-port", str(LOAD_MASTER_PORT), *locustfile),
                    *(["--seed", str(load.seed + 1 + index)] if load.seed is not None else []),
                ],
            },
        )
        for index in range(load.workers)
    ]
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(LOAD_MASTER, plan, labels),
        "spec": {
            "selector": {"app": LOAD_MASTER, LABEL_RUN: plan.run_label},
            "ports": [{"name": "locust", "port": LOAD_MASTER_PORT, "targetPort": LOAD_MASTER_PORT}],
        },
    }
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(LOCUSTFILE_CONFIGMAP, plan, labels),
        "data": {"locustfile.py": load.locustfile_text},
    }
    return [configmap, *([service] if load.workers else []), master, *workers]
