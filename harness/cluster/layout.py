"""Where Firebreak's local Kubernetes node keeps everything, and the numbers it is built on.

One node per machine (it owns port 6443), so its state lives in one machine-wide folder:
`FIREBREAK_CLUSTER_DIR`, else `/var/lib/firebreak/cluster` (the node needs root anyway). The
binaries are built once per version into the project's git-ignored `.tools` (see
`scripts/build-cluster.sh`), or come from `FIREBREAK_CLUSTER_BIN`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

K8S_VERSION = "v1.37.2"
ETCD_VERSION = "v3.6.16"
COREDNS_VERSION = "v1.15.0"
CONTEXT_NAME = "firebreak-local"
NODE_NAME = "firebreak-node"
# ranges nothing on these machines uses; both are routed to a dummy interface, so a packet that
# kube-proxy did not translate ends here (refused) instead of following the default route out
SERVICE_CIDR = "10.96.0.0/16"
CLUSTER_CIDR = "10.244.0.0/16"
POD_SUBNET = "10.244.0.0/24"  # the one node's share of CLUSTER_CIDR
API_SERVICE_IP = "10.96.0.1"
DNS_SERVICE_IP = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"
API_PORT = 6443
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
BRIDGE_NAME = "fbcni0"  # the pods' bridge (its own name, so Docker's and others' stay apart)
DUMMY_NAME = "fbsvc0"  # takes the cluster's ranges so nothing of them routes off the machine
CNI_NETWORK = "firebreak"
FIREWALL_CHAIN = "FIREBREAK-CLUSTER"
# the one unsafe sysctl the node's kubelet lets pods set (the Toxiproxy pod's connect timeout)
SYN_RETRIES_SYSCTL = "net.ipv4.tcp_syn_retries"
CNI_BIN_DIR = Path("/usr/lib/cni")  # Debian's containernetworking-plugins
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
# every daemon, in start order; stopped in the reverse
DAEMONS = (
    "containerd",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
)
KUBERNETES_BINARIES = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
)
ALL_BINARIES = (*KUBERNETES_BINARIES, "etcd", "coredns", "pause")


@dataclass(frozen=True)
class ClusterLayout:
    """The node's folders and files; nothing here touches the disk."""

    root: Path
    bin_dir: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def configs(self) -> Path:
        return self.root / "config"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def kubelet_root(self) -> Path:
        return self.root / "kubelet"

    @property
    def containerd_root(self) -> Path:
        return self.root / "containerd"

    @property
    def containerd_state(self) -> Path:
        # sockets and the shims' state belong on tmpfs, as containerd's own /run/containerd; one
        # folder per state root, so that a layout never reaches another layout's containerd
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:8]
        return Path("/run/firebreak-cluster") / digest / "containerd"

    @property
    def containerd_socket(self) -> Path:
        return self.containerd_state / "containerd.sock"

    @property
    def cni_conf_dir(self) -> Path:
        return self.root / "cni"

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig users and the harness use (context `firebreak-local`)."""
        return self.root / "kubeconfig"

    def kubeconfig_of(self, component: str) -> Path:
        return self.configs / f"{component}.kubeconfig"

    def pid_file(self, daemon: str) -> Path:
        return self.pids / f"{daemon}.pid"

    def log_file(self, daemon: str) -> Path:
        return self.logs / f"{daemon}.log"

    def binary(self, name: str) -> Path:
        return self.bin_dir / name


def default_layout() -> ClusterLayout:
    root = Path(os.environ.get("FIREBREAK_CLUSTER_DIR") or "/var/lib/firebreak/cluster")
    bin_dir = os.environ.get("FIREBREAK_CLUSTER_BIN")
    tools = PROJECT_ROOT / ".tools" / "kubernetes" / K8S_VERSION / "bin"
    return ClusterLayout(root=root, bin_dir=Path(bin_dir) if bin_dir else tools)
