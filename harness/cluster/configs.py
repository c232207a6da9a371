"""Every file the node's daemons read: kubeconfigs, containerd's, the kubelet's and kube-proxy's
configurations, and the CNI network. Written at each `cluster up`, so a change here takes effect
on the next start; the reasons for the settings that are not defaults are in
../shared/REAL-PARTS.md ("A real Kubernetes node from source").
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from harness.cluster.layout import (
    API_PORT,
    BRIDGE_NAME,
    CLUSTER_CIDR,
    CLUSTER_DOMAIN,
    CNI_BIN_DIR,
    CNI_NETWORK,
    CONTEXT_NAME,
    DNS_SERVICE_IP,
    NODE_NAME,
    POD_SUBNET,
    SYN_RETRIES_SYSCTL,
    ClusterLayout,
)
from harness.cluster.node_images import PAUSE_IMAGE, node_name

# the client certificate each component signs in with (see pki.cert_specs)
COMPONENT_CERTS = {
    "admin": "admin",
    "kube-controller-manager": "kube-controller-manager",
    "kube-scheduler": "kube-scheduler",
    "kube-proxy": "kube-proxy",
    "kubelet": "kubelet",
}


def kubeconfig_text(layout: ClusterLayout, cert: str, server: str) -> str:
    pki = layout.pki
    user = f"firebreak-{cert}"
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": CONTEXT_NAME,
                    "cluster": {
                        "server": server,
                        "certificate-authority": str(pki / "ca.crt"),
                    },
                }
            ],
            "users": [
                {
                    "name": user,
                    "user": {
                        "client-certificate": str(pki / f"{cert}.crt"),
                        "client-key": str(pki / f"{cert}.key"),
                    },
                }
            ],
            "contexts": [
                {"name": CONTEXT_NAME, "context": {"cluster": CONTEXT_NAME, "user": user}}
            ],
            "current-context": CONTEXT_NAME,
        },
        sort_keys=False,
    )


def containerd_config(layout: ClusterLayout) -> str:
    # The node's own containerd (not Docker's): its own root, socket and CNI folder, so the
    # cluster starts, stops and cleans up without touching Docker's containers.
    # restrict_oom_score_adj: this VM withholds CAP_SYS_RESOURCE, and without it every pod
    # sandbox fails in runc ("can't get final child's PID from pipe: EOF").
    return f"""version = 2
root = "{layout.containerd_root / "root"}"
state = "{layout.containerd_state}"

[grpc]
  address = "{layout.containerd_socket}"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "{layout.containerd_root / "opt"}"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "{node_name(PAUSE_IMAGE)}"
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "{CNI_BIN_DIR}"
      conf_dir = "{layout.cni_conf_dir}"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
"""


def cni_conflist() -> str:
    # No ipMasq: pods talk to each other and to this host only (the firewall chain drops the
    # rest), so no address of theirs ever needs translating to leave. `firewall` accepts pod
    # traffic in FORWARD, whose policy dockerd sets to DROP. No `loopback` entry: containerd
    # brings up lo itself.
    return json.dumps(
        {
            "cniVersion": "1.0.0",
            "name": CNI_NETWORK,
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": BRIDGE_NAME,
                    "isGateway": True,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": POD_SUBNET}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                    },
                },
                {"type": "firewall"},
                {"type": "portmap", "capabilities": {"portMappings": True}},
            ],
        },
        indent=2,
    )


def kubelet_config(layout: ClusterLayout) -> str:
    pki = layout.pki
    return yaml.safe_dump(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "authentication": {
                "anonymous": {"enabled": False},
                "webhook": {"enabled": True},
                "x509": {"clientCAFile": str(pki / "ca.crt")},
            },
            "authorization": {"mode": "Webhook"},
            "cgroupDriver": "cgroupfs",
            "failSwapOn": False,
            # the Toxiproxy pod's connect timeout (harness/platforms/kubernetes/manifests.py): a
            # namespaced sysctl, but not one of the kubelet's safe ones
            "allowedUnsafeSysctls": [SYN_RETRIES_SYSCTL],
            # Once the kubelet has pulled an image (from a registry, `--registry`), it keeps a
            # record of the image ID and the repository it came from, and by default makes any
            # other name of that ID prove its credentials by pulling again. The same image
            # imported from Docker (pull policy Never) then failed with ErrImageNeverPull for
            # every later run on the node. Its images come from this machine's engine or a
            # loopback registry without credentials: nothing to verify.
            "imagePullCredentialsVerificationPolicy": "NeverVerify",
            # 1.35+ refuses cgroup v1 otherwise, and these machines mount v1
            "failCgroupV1": False,
            "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
            "tlsCertFile": str(pki / "kubelet-serving.crt"),
            "tlsPrivateKeyFile": str(pki / "kubelet-serving.key"),
            "readOnlyPort": 0,
            "healthzBindAddress": "127.0.0.1",
            "healthzPort": 10248,
            "clusterDNS": [DNS_SERVICE_IP],
            "clusterDomain": CLUSTER_DOMAIN,
            # pods with dnsPolicy Default would otherwise get the host's resolvers, off the
            # machine; they get none
            "resolvConf": str(layout.configs / "resolv.conf"),
            # containers' logs with the rest of the node's files (default /var/log/pods)
            "podLogsDir": str(layout.root / "pod-logs"),
            # nothing can be pulled again once collected: keep every image
            "imageGCHighThresholdPercent": 100,
            "imageGCLowThresholdPercent": 99,
            "evictionHard": {"memory.available": "100Mi", "nodefs.available": "1%"},
            "kubeAPIQPS": 50,
            "kubeAPIBurst": 100,
            "serializeImagePulls": False,
        },
        sort_keys=False,
    )


def kube_proxy_config(layout: ClusterLayout) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "clientConnection": {"kubeconfig": str(layout.kubeconfig_of("kube-proxy"))},
            "mode": "iptables",
            "clusterCIDR": CLUSTER_CIDR,
            "hostnameOverride": NODE_NAME,
            "metricsBindAddress": "127.0.0.1:10249",
            "healthzBindAddress": "127.0.0.1:10256",
            # leave the host's conntrack sysctls as they are
            "conntrack": {"maxPerCore": 0, "min": 0},
        },
        sort_keys=False,
    )


def write_configs(layout: ClusterLayout) -> None:
    """Write every file the daemons read (idempotent)."""
    for folder in (layout.configs, layout.cni_conf_dir, layout.logs, layout.pids):
        folder.mkdir(parents=True, exist_ok=True)
    server = f"https://127.0.0.1:{API_PORT}"
    for component, cert in COMPONENT_CERTS.items():
        target = layout.kubeconfig if component == "admin" else layout.kubeconfig_of(component)
        _write(target, kubeconfig_text(layout, cert, server), private=True)
    _write(layout.configs / "containerd.toml", containerd_config(layout))
    _write(layout.configs / "kubelet.yaml", kubelet_config(layout))
    _write(layout.configs / "kube-proxy.yaml", kube_proxy_config(layout))
    _write(layout.configs / "resolv.conf", "# pods of Firebreak's node resolve no outside names\n")
    _write(layout.cni_conf_dir / "10-firebreak.conflist", cni_conflist())


def _write(path: Path, text: str, private: bool = False) -> None:
    path.write_text(text)
    if private:
        path.chmod(0o600)
