"""The local node: real daemons, a Ready node, DNS in the cluster, nothing routed off the
machine, and an `up` that finds a running cluster instead of starting a second one."""

from __future__ import annotations

from kubernetes import client as k8s

from harness.cluster.dns_probe import resolve_a
from harness.cluster.layout import API_SERVICE_IP, DAEMONS, DNS_SERVICE_IP, NODE_NAME
from harness.cluster.network import (
    dead_end_refused_first,
    forward_guard_first,
    route_device,
    sample_addresses,
    uplink_device,
)
from harness.cluster.pod_cpu import CGROUP_ROOT, PODS_CPU_SHARES, PODS_CPU_WEIGHT


def test_every_daemon_runs_and_the_node_is_ready(local_cluster, kube_api):
    status = local_cluster.status()
    assert [d for d in DAEMONS if not status.running[d]] == []
    assert status.up
    node = k8s.CoreV1Api(kube_api).read_node(NODE_NAME)
    assert node.status.node_info.kubelet_version.startswith("v1.37")
    assert node.status.node_info.container_runtime_version.startswith("containerd://")


def test_coredns_serves_the_cluster_zone(kube_api):
    apps = k8s.AppsV1Api(kube_api)
    coredns = apps.read_namespaced_deployment("coredns", "kube-system")
    assert coredns.status.available_replicas == 1
    slices = k8s.DiscoveryV1Api(kube_api).list_namespaced_endpoint_slice(
        "kube-system", label_selector="kubernetes.io/service-name=kube-dns"
    )
    ready = [
        e for s in slices.items for e in (s.endpoints or []) if e.conditions and e.conditions.ready
    ]
    assert ready, "kube-dns has no ready endpoint"
    # the API server's own Service name resolves through CoreDNS, asked at its ClusterIP
    assert resolve_a("kubernetes.default.svc.cluster.local", DNS_SERVICE_IP) == API_SERVICE_IP
    # and a name outside the cluster's zone is not forwarded anywhere
    assert resolve_a("example.com", DNS_SERVICE_IP) is None


def test_no_address_of_the_cluster_ranges_leaves_by_the_uplink(local_cluster):
    uplink = uplink_device()
    assert uplink, "this check needs a default route to compare with"
    for address in sample_addresses():
        device = route_device(address)
        assert device is not None and device != uplink, f"{address} would leave by {device}"
    # and whatever a pod sends is judged, before any ACCEPT of kube-proxy's or the CNI's, by our
    # chain, which drops it unless it goes to another pod (or to this host, which is not FORWARD)
    assert forward_guard_first()


def test_a_pod_s_packet_for_the_dead_end_is_refused_before_the_cni_accepts_it(local_cluster):
    """A ClusterIP without a ready endpoint is routed to the dummy: refused there, as kube-proxy
    refuses it on any cluster, rather than dropped (a dropped SYN held a Toxiproxy edge for two
    minutes). The CNI firewall plugin enters CNI-ADMIN before its own ACCEPT of the pod; it
    makes its chain when the first pod starts (CoreDNS, before `up` returns)."""
    assert dead_end_refused_first()


def test_a_second_up_finds_the_running_cluster(local_cluster):
    pids = dict(local_cluster.status().running)
    assert local_cluster.up() == 0.0
    assert local_cluster.status().running == pids


def test_the_pods_outweigh_any_one_process_of_the_node_for_cpu(local_cluster):
    """The control plane shares the cores with the pods here (pod_cpu.py): the pods' group
    weighs ten times what the kubelet gives it."""
    v1 = CGROUP_ROOT / "cpu" / "kubepods" / "cpu.shares"
    v2 = CGROUP_ROOT / "kubepods" / "cpu.weight"
    if v1.is_file():
        assert int(v1.read_text()) == PODS_CPU_SHARES
    else:
        assert int(v2.read_text()) == PODS_CPU_WEIGHT
