"""The Kubernetes platform: a namespace per run, a Deployment and a Service per service, and one
Toxiproxy pod carrying every edge's proxy; kills are pod deletions through the API.

The images are the Docker platform's: on the local node (`firebreak cluster up`) they are loaded
into its containerd; another cluster would need them in a registry it can pull from. The
harness reaches Toxiproxy's API, the front door and every replica through port-forwards of the
API server (kubernetes/forward.py), never by pod IP, so a cluster whose pod network this machine
cannot route to works the same. Safety rules: kubernetes/target.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubernetes import client as k8s

from harness.balancer.http_rules import EdgeHttpFaults
from harness.cluster.layout import default_layout
from harness.edge_proxies import EdgeProxy, create_control_proxies, create_edge_proxies
from harness.errors import FaultError, PlatformError
from harness.faults.toxiproxy import ToxiproxyClient
from harness.images.balancer_image import API_PORT
from harness.images.builder import ImagePlan
from harness.ledger import Ledger
from harness.platforms.base import INSTANCE_PAUSED, INSTANCE_RUNNING, EventListener, Instance
from harness.platforms.container_env import CONTROL_PORT_SHIFT
from harness.platforms.kubernetes.api import (
    api_client,
    create_objects,
    delete_namespace,
    record_pod_event,
    service_cluster_ips,
    wait_default_service_account,
    wait_deployments_available,
)
from harness.platforms.kubernetes.balancer import balancer_pod, deploy_balancer
from harness.platforms.kubernetes.dial import dial_ips
from harness.platforms.kubernetes.forward import PodPortForward
from harness.platforms.kubernetes.images import deliver_images, pull_policy, run_images
from harness.platforms.kubernetes.manifests import (
    FRONT_DOOR_PORT,
    TOXIPROXY_API_PORT,
    TOXIPROXY_NAME,
    ManifestPlan,
    edge_ports,
    edge_urls,
    namespace_object,
    replica_objects,
    service_alias,
    toxiproxy_objects,
)
from harness.platforms.kubernetes.pods import PodSlot, PodSlots
from harness.platforms.kubernetes.split_arms import with_arms, with_control_ports
from harness.platforms.kubernetes.target import KubeTarget, owner_value, target_from_env
from harness.platforms.kubernetes.trace_store import (
    ForwardedJaeger,
    connect_jaeger,
    jaeger_objects,
    with_otel_env,
)
from harness.split_plan import SplitPlan, replicas_of, tells_arms
from harness.system import SystemSpec

if TYPE_CHECKING:
    from harness.platforms.kubernetes.load import ClusterLoadDriver

NAMESPACE_GONE_TIMEOUT_S = 60.0
DATA_ROOT = Path("/var/lib/firebreak/volumes")
OWN_PIDS_REFRESH_S = 2.0  # pods come and go; the process table is not read every second
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
# Set on the node Firebreak starts (its kubelet allows it); another cluster's kubelet refuses an
# unsafe sysctl unless its admin allowed it, so there the kernel's default stands (docs/kubernetes)
TOXIPROXY_SYN_RETRIES = 1


def namespace_for(run_label: str) -> str:
    return f"fb-{run_label}"[:63].rstrip("-")


class KubernetesPlatform:
    """Runs a system on a cluster; see the module docstring."""

    name = "kubernetes"

    def __init__(
        self,
        system: SystemSpec,
        run_dir: Path,
        *,
        ledger: Ledger | None = None,
        env_overrides: dict[str, dict[str, str]] | None = None,
        images: ImagePlan | None = None,
        target: KubeTarget | None = None,
        on_message: Callable[[str], None] = print,
        http_edges: frozenset[str] = frozenset(),
        balanced_edges: frozenset[str] | None = None,
        split: SplitPlan | None = None,
        traces: bool = False,
    ) -> None:
        self.system = system
        self.traces = traces and bool(system.traced_services())
        self.trace_store: ForwardedJaeger | None = None  # the run's Jaeger, once it answers
        self._jaeger_image = ""
        # a split run (issue 24): its arms, each an own Deployment (split_arms.py); the front
        # door passes the balancer in HTTP mode, which names the arm that answered
        self.split = split
        front_door = frozenset(e.name for e in system.edges() if tells_arms(split, e.name))
        http_edges |= front_door
        balanced_edges = None if balanced_edges is None else balanced_edges | front_door
        self.run_dir = run_dir
        self.ledger = ledger
        self.env_overrides = env_overrides or {}
        self.image_plan = images or ImagePlan(offline_base=True)
        self.target = target or target_from_env()
        self.on_message = on_message
        self.http_edges = http_edges  # edges the balancer pod serves in HTTP mode
        # the edges that pass the balancer (None: every edge); the rest dial the Service
        self.balanced_edges = (
            None if balanced_edges is None else frozenset(balanced_edges | http_edges)
        )
        self.balancer_api = ""
        self._balancer_image = ""
        self._balancer_ip = ""
        run_id = ledger.data.run_id if ledger is not None else "run"
        label = re.sub(r"[^a-z0-9-]", "-", run_id.lower())[:40].strip("-") or "run"
        self.run_label = f"{label}-{uuid.uuid4().hex[:6]}"
        self.namespace = namespace_for(self.run_label)
        self.listeners: list[EventListener] = []
        self.api: k8s.ApiClient | None = None
        self.forward_api: k8s.ApiClient | None = None
        self.slots: PodSlots | None = None
        self.forwards: list[PodPortForward] = []
        self.toxiproxy: ToxiproxyClient | None = None
        self.toxiproxy_version = ""
        self.edge_proxies: dict[str, EdgeProxy] = {}
        self.control_proxies: dict[str, EdgeProxy] = {}  # a split run's, by edge name
        self.edge_urls: dict[str, str] = edge_urls(system)
        self.deploy_seconds: float | None = None
        self.build_seconds: float | None = None
        self._front_door = ""
        self._toxiproxy_pod: str | None = None
        self._created_namespace = False
        self._torn_down = False
        self._own_pids: list[int] = []
        self._own_pids_at_s = -OWN_PIDS_REFRESH_S

    # -- the Platform contract: views -----------------------------------------------------------
    def add_listener(self, listener: EventListener) -> None:
        self.listeners.append(listener)

    def own_pids(self) -> list[int]:
        """On Firebreak's own node: its daemons and the pods' shims (the pods' processes are
        their children), whose CPU is this run's platform at work, not another workload's.
        On another cluster nothing of the run runs on this machine but the harness."""
        if not self.target.is_local_node:
            return []
        now = time.monotonic()
        if now - self._own_pids_at_s > OWN_PIDS_REFRESH_S:
            from harness.cluster.daemons import read_record
            from harness.cluster.layout import DAEMONS
            from harness.cluster.teardown import shim_pids

            layout = default_layout()
            records = [read_record(layout, daemon) for daemon in DAEMONS]
            self._own_pids = [r.pid for r in records if r] + shim_pids(layout)
            self._own_pids_at_s = now
        return self._own_pids

    def instances(self, service: str | None = None) -> list[Instance]:
        if self.slots is None:
            return []
        with self.slots.changed:
            return [
                slot.snapshot()
                for slot in self.slots.slots.values()
                if service is None or slot.service == service
            ]

    def in_rotation(self) -> dict[str, dict[str, str]]:
        """Service → replica → `UP` when its pod is Ready (an endpoint of the Service)."""
        view: dict[str, dict[str, str]] = {}
        if self.slots is None:
            return view
        with self.slots.changed:
            for slot in self.slots.slots.values():
                pod = self.slots.pods.get(slot.pod) if slot.pod else None
                state = "UP" if pod is not None and pod.ready else "DOWN"
                view.setdefault(slot.service, {})[slot.instance_id] = state
        return view

    def endpoints(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for instance in self.instances():
            if instance.service not in found and instance.state == INSTANCE_RUNNING:
                found[instance.service] = instance.url
        if self._front_door:
            found["load"] = self._front_door
        return found

    # -- deploy ---------------------------------------------------------------------------------
    def deploy(self) -> None:
        started = time.monotonic()
        self.api = api_client(self.target.kubeconfig, self.target.context)
        self.forward_api = api_client(self.target.kubeconfig, self.target.context)
        images, toxiproxy_image = self._images()
        self.build_seconds = time.monotonic() - started
        started = time.monotonic()
        plan = ManifestPlan(
            namespace=self.namespace,
            run_label=self.run_label,
            owner=owner_value(),
            images=images,
            toxiproxy_image=toxiproxy_image,
            pull_policy=pull_policy(self.target.registry),
            data_root=str(DATA_ROOT),
            toxiproxy_syn_retries=TOXIPROXY_SYN_RETRIES if self.target.is_local_node else None,
        )
        if self.ledger is not None:
            self.ledger.set_info(
                kube_namespace=self.namespace,
                kube_context=self.target.context,
                kubeconfig=str(self.target.kubeconfig or ""),
            )
        if self.target.is_local_node:
            # the services' shared data folders, writable by whatever user an image runs as
            # (a hostPath the kubelet creates is root's, 0755)
            for service in self.system.services:
                folder = DATA_ROOT / self.namespace / service
                folder.mkdir(parents=True, exist_ok=True)
                folder.chmod(0o777)
        create_objects(self.api, [namespace_object(plan, self.system)], exist_ok=False)
        self._created_namespace = True
        wait_default_service_account(self.api, self.namespace)
        proxies = with_control_ports(toxiproxy_objects(self.system, plan), self.system, self.split)
        if self._jaeger_image:
            proxies += jaeger_objects(self.system, plan, self._jaeger_image)
        create_objects(self.api, proxies, exist_ok=False)
        # a host-named edge's Service has its address now: the callers' pods name it
        plan = replace(plan, dial_ips=dial_ips(self.api, self.namespace, self.system))
        overrides = self.env_overrides
        if self._jaeger_image:
            overrides = with_otel_env(self.system, overrides, self.run_label)
        replicas = replica_objects(self.system, plan, overrides)
        replicas = with_arms(replicas, self.system, self.split, overrides)
        create_objects(self.api, replicas, False)
        self.slots = PodSlots(self.api, self.namespace, self.listeners)
        for service in self.system.services:
            for replica in range(replicas_of(self.split, self.system, service)):
                self.slots.add(PodSlot(service, replica))
        self.slots.on_bound = self._forward_slot
        self.slots.start()
        self._balancer_ip = deploy_balancer(
            self.api,
            self.system,
            plan,
            self._balancer_image,
            self.http_edges,
            self.balanced_edges,
            self.split,
        )
        api = self._forward(lambda: balancer_pod(self.api, self.namespace), API_PORT, "http")
        self.balancer_api = f"127.0.0.1:{api.local_port}"
        wait_deployments_available(self.api, self.namespace, [TOXIPROXY_NAME], 60)
        self._connect_toxiproxy()
        self._create_edges()
        if self._jaeger_image:
            self.trace_store = connect_jaeger(self.api, self.namespace, self._forward)
        self.deploy_seconds = time.monotonic() - started

    def _images(self) -> tuple[dict[str, str], str]:
        """Service → image reference the pods name, and Toxiproxy's (kubernetes/images.py)."""
        images, toxiproxy, self._balancer_image, self._jaeger_image = run_images(
            self.system, self.image_plan, self.deliver_images, self.on_message, self.traces
        )
        return images, toxiproxy

    def deliver_images(self, images: list[str]) -> dict[str, str]:
        """Docker image → the reference this cluster's pods name (imported or pushed)."""
        return deliver_images(
            images,
            registry=self.target.registry,
            local_node=self.target.is_local_node,
            context=self.target.context,
            on_message=self.on_message,
        )

    def _forward_slot(self, slot: PodSlot) -> None:
        if not slot.url:
            forward = self._forward(
                lambda slot=slot: slot.pod, self._port_of(slot.service), slot.instance_id
            )
            slot.url = forward.url

    def _port_of(self, service: str) -> int:
        return self.system.services[service].port

    def _forward(self, pick: Callable[[], str | None], port: int, name: str) -> PodPortForward:
        assert self.forward_api is not None
        forward = PodPortForward(self.forward_api, self.namespace, pick, port, name)
        self.forwards.append(forward)
        return forward

    def _connect_toxiproxy(self) -> None:
        core = k8s.CoreV1Api(self.api)
        pods = core.list_namespaced_pod(self.namespace, label_selector=f"app={TOXIPROXY_NAME}")
        ready = [p.metadata.name for p in pods.items if p.metadata.deletion_timestamp is None]
        if not ready:
            raise PlatformError(f"Toxiproxy's pod in `{self.namespace}` is gone.")
        self._toxiproxy_pod = ready[0]
        api = self._forward(lambda: self._toxiproxy_pod, TOXIPROXY_API_PORT, "toxiproxy-api")
        front = self._forward(lambda: self._toxiproxy_pod, FRONT_DOOR_PORT, "front-door")
        self._front_door = front.url
        if self.ledger is not None:
            self.ledger.set_toxiproxy(f"127.0.0.1:{api.local_port}")
        self.toxiproxy = ToxiproxyClient("127.0.0.1", api.local_port, timeout_s=5.0)
        try:
            self.toxiproxy_version = self.toxiproxy.wait_until_up(20)
        except FaultError:
            raise PlatformError(
                f"Toxiproxy's API did not answer through a port-forward to {self._toxiproxy_pod}"
                f" ({'; '.join(api.errors[-3:]) or 'no error from the forward'})."
            ) from None

    def _create_edges(self) -> None:
        assert self.toxiproxy is not None
        ports = edge_ports(self.system)
        listen = {name: f"0.0.0.0:{port}" for name, port in ports.items()}
        # Toxiproxy dials each upstream by address, not by name: a name costs a cluster DNS
        # lookup on every new connection (and a timed-out call's connection is never reused), so
        # a slow or lost DNS answer would show up as the callee's latency.
        cluster_ip = service_cluster_ips(self.api, self.namespace)
        callee_address = {
            edge.name: f"{cluster_ip[service_alias(edge.callee)]}"
            f":{self.system.services[edge.callee].port}"
            for edge in self.system.edges()
        }
        # a balanced edge passes the balancer, on the edge's own port there: it counts the
        # edge's traffic, and an HTTP edge's faults act there; the balancer dials the callee
        upstreams = {
            name: f"{self._balancer_ip}:{ports[name]}"
            if self.balanced_edges is None or name in self.balanced_edges
            else address
            for name, address in callee_address.items()
        }
        self.edge_proxies = create_edge_proxies(
            self.toxiproxy, self.system, upstreams, self.ledger, listen_of=listen
        )
        # a split run's control proxy of each faulted edge, at a port known ahead (split_arms.py)
        self.control_proxies = create_control_proxies(
            self.toxiproxy,
            self.system,
            self.split.edges if self.split else (),
            upstreams,
            self.ledger,
            listen_of={e: f"0.0.0.0:{p + CONTROL_PORT_SHIFT}" for e, p in ports.items()},
        )

    @property
    def http_faults(self) -> EdgeHttpFaults | None:
        """HTTP faults act on the edges through the balancer pod, by its runtime API."""
        return EdgeHttpFaults(self.balancer_api, self.http_edges) if self.balancer_api else None

    def start_cluster_load(self, **load_args: Any) -> ClusterLoadDriver:
        """Locust as pods in the run's namespace (its local runner, or master and workers)."""
        from harness.platforms.kubernetes.load import start_cluster_load

        return start_cluster_load(self, **load_args)

    def wait_ready(self, timeout_s: float) -> float:
        assert self.slots is not None
        started = time.monotonic()
        self.slots.wait_all_running(timeout_s)
        return time.monotonic() - started

    # -- operations -----------------------------------------------------------------------------
    def kill(self, instance_id: str, replace: bool = True) -> None:
        """Delete the slot's pod (grace 0); without `replace`, the Deployment shrinks by one
        and that pod is the one the ReplicaSet removes."""
        assert self.slots is not None and self.api is not None
        slot = self.slots.slot(instance_id)
        pod = slot.pod
        if pod is None:
            raise PlatformError(f"`{instance_id}` has no pod to kill (state {slot.state}).")
        core = k8s.CoreV1Api(self.api)
        if not replace:
            core.patch_namespaced_pod(
                pod, self.namespace, {"metadata": {"annotations": {DELETION_COST: "-100000"}}}
            )
            self._scale(slot.service, -1)
        self.slots.mark_killed(slot, replace)
        record_pod_event(
            self.api,
            self.namespace,
            pod,
            "FirebreakKill",
            f"deleted by Firebreak run {self.run_label}",
        )
        try:
            core.delete_namespaced_pod(pod, self.namespace, grace_period_seconds=0)
        except k8s.ApiException as exc:
            if exc.status != 404:
                raise PlatformError(f"Deleting pod {pod} failed: {exc.reason}") from None

    def restore(self, instance_id: str) -> None:
        assert self.slots is not None
        slot = self.slots.slot(instance_id)
        with self.slots.changed:
            slot.restore_pending = True
        self._scale(slot.service, +1)

    def _scale(self, service: str, delta: int) -> None:
        apps = k8s.AppsV1Api(self.api)
        current = apps.read_namespaced_deployment_scale(service, self.namespace)
        wanted = max(0, (current.spec.replicas or 0) + delta)
        apps.patch_namespaced_deployment_scale(
            service, self.namespace, {"spec": {"replicas": wanted}}
        )

    def pause(self, instance_id: str) -> None:
        self._freeze(instance_id, "pause", INSTANCE_PAUSED, "paused")

    def resume(self, instance_id: str) -> None:
        self._freeze(instance_id, "resume", INSTANCE_RUNNING, "resumed")

    def _freeze(self, instance_id: str, verb: str, state: str, event: str) -> None:
        """Freeze or thaw the pod's container through the local node's containerd (its cgroup
        freezer); a cluster Firebreak does not run cannot be asked to (refused before a run)."""
        assert self.slots is not None
        if not self.target.is_local_node:
            raise PlatformError(
                f"Pausing a pod needs Firebreak's own node; `{self.target.context}` is not."
            )
        slot = self.slots.slot(instance_id)
        container = self.slots.container_of(slot)
        layout = default_layout()
        result = subprocess.run(
            [
                "ctr",
                "--address",
                str(layout.containerd_socket),
                "-n",
                "k8s.io",
                "tasks",
                verb,
                container,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            raise PlatformError(f"Could not {verb} `{instance_id}`: {result.stderr.strip()}")
        self.slots.set_state(slot, state, event)

    # -- teardown -------------------------------------------------------------------------------
    def teardown(self) -> None:
        """Stop watching and forwarding, then delete the run's namespace and wait until it is
        gone (with it every pod, Service and proxy of the run)."""
        if self._torn_down:
            return
        self._torn_down = True
        if self.slots is not None:
            self.slots.stop()
        for forward in self.forwards:
            forward.close()
        if self.api is not None and self._created_namespace:
            delete_namespace(self.api, self.namespace, NAMESPACE_GONE_TIMEOUT_S)
            if self.target.is_local_node:
                shutil.rmtree(DATA_ROOT / self.namespace, ignore_errors=True)
        if self.ledger is not None:
            for edge_proxy in [*self.edge_proxies.values(), *self.control_proxies.values()]:
                self.ledger.remove_proxy(edge_proxy.proxy.name)
