"""`firebreak cluster up|down|status`: one real Kubernetes node on this machine.

`up` builds what is missing, makes the certificates and configurations, keeps the cluster's
traffic on the machine (see network.py), starts every daemon in order, waits for the node to be
Ready and CoreDNS to answer, and leaves them running in the background. `down` deletes the pods
through the API first (so the kubelet removes their sandboxes and veths), stops every daemon,
and removes what they leave: mounts, the bridge, iptables chains, cgroups, the etcd data.

A cluster started by `firebreak cluster up` is the user's and stays up. One started on behalf
of another process (a test session) records that owner; `firebreak cleanup` stops it once the
owner is gone, and also any cluster whose `up` was killed before the node was Ready.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from harness.cluster import daemons, network
from harness.cluster.configs import write_configs
from harness.cluster.coredns import NAME as COREDNS_NAME
from harness.cluster.coredns import NAMESPACE as COREDNS_NAMESPACE
from harness.cluster.coredns import coredns_objects
from harness.cluster.dns_probe import wait_until_answers
from harness.cluster.layout import (
    ALL_BINARIES,
    API_PORT,
    API_SERVICE_IP,
    CLUSTER_DOMAIN,
    CNI_BIN_DIR,
    CONTEXT_NAME,
    DAEMONS,
    DNS_SERVICE_IP,
    ETCD_CLIENT_PORT,
    ETCD_PEER_PORT,
    K8S_VERSION,
    NODE_NAME,
    PROJECT_ROOT,
    ClusterLayout,
)
from harness.cluster.node_images import COREDNS_IMAGE, PAUSE_IMAGE, ensure_node_images, load_images
from harness.cluster.pki import ensure_pki
from harness.cluster.pod_cpu import favour_pods
from harness.errors import PlatformError, ToolMissingError

READY_TIMEOUT_S = 120.0
BUILD_SCRIPT = PROJECT_ROOT / "scripts" / "build-cluster.sh"


@dataclass
class ClusterStatus:
    running: dict[str, int | None]  # daemon → pid (None: not running)
    node_ready: bool
    kubeconfig: Path
    context: str
    owner_pid: int | None

    @property
    def up(self) -> bool:
        return all(self.running.values()) and self.node_ready

    @property
    def anything_running(self) -> bool:
        return any(self.running.values())


class LocalCluster:
    """The node's lifecycle; see the module docstring."""

    def __init__(self, layout: ClusterLayout, on_message: Callable[[str], None] = print) -> None:
        self.layout = layout
        self.on_message = on_message

    @property
    def state_file(self) -> Path:
        return self.layout.root / "cluster.json"

    # -- status ---------------------------------------------------------------------------------
    def read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def status(self) -> ClusterStatus:
        running: dict[str, int | None] = {}
        for daemon in DAEMONS:
            record = daemons.read_record(self.layout, daemon)
            running[daemon] = record.pid if record else None
        ready = False
        if running.get("kube-apiserver"):
            with contextlib.suppress(Exception):
                from harness.platforms.kubernetes.api import api_client, node_ready

                ready = node_ready(api_client(self.layout.kubeconfig, CONTEXT_NAME), NODE_NAME)
        return ClusterStatus(
            running, ready, self.layout.kubeconfig, CONTEXT_NAME, self.read_state().get("owner_pid")
        )

    # -- up -------------------------------------------------------------------------------------
    def up(self, owner_pid: int | None = None, timeout_s: float = READY_TIMEOUT_S) -> float:
        """Start the node (or find it running); returns the seconds from start to Ready."""
        started = time.monotonic()
        current = self.status()
        if current.up:
            self.on_message(f"the cluster is already up (context {CONTEXT_NAME})")
            favour_pods()  # a node started by an older Firebreak gets it too
            return 0.0
        self.preflight(already_running=current.anything_running)
        self.build_binaries()
        node_ip = host_node_ip()
        self.layout.root.mkdir(parents=True, exist_ok=True)
        self._write_state(owner_pid=owner_pid or os.getpid(), ready=False, node_ip=node_ip)
        if ensure_pki(self.layout.pki, node_ip):
            self.on_message(f"certificates made in {self.layout.pki}")
        write_configs(self.layout)
        network.prepare_host_network()
        self._start("containerd", node_ip)
        self._wait(lambda: self._containerd_answers(), "containerd", 30)
        self._load_node_images()
        self._start("etcd", node_ip)
        self._wait(
            lambda: self._https_ok(
                f"https://127.0.0.1:{ETCD_CLIENT_PORT}/health", "apiserver-etcd-client"
            ),
            "etcd",
            30,
        )
        self._start("kube-apiserver", node_ip)
        self._wait(
            lambda: self._https_ok(f"https://127.0.0.1:{API_PORT}/readyz", "admin"),
            "kube-apiserver",
            60,
        )
        for daemon in ("kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"):
            self._start(daemon, node_ip)
        from harness.platforms.kubernetes.api import (
            api_client,
            create_objects,
            wait_deployments_available,
            wait_node_ready,
        )

        api = api_client(self.layout.kubeconfig, CONTEXT_NAME)
        self._guarded(lambda: wait_node_ready(api, NODE_NAME, timeout_s), "kubelet")
        favour_pods()  # the kubelet has made its cgroups by now (pod_cpu.py says why)
        create_objects(api, coredns_objects(), exist_ok=True)
        self._guarded(
            lambda: wait_deployments_available(api, COREDNS_NAMESPACE, [COREDNS_NAME], timeout_s),
            "kubelet",
        )
        wait_until_answers(
            f"kubernetes.default.svc.{CLUSTER_DOMAIN}", DNS_SERVICE_IP, API_SERVICE_IP, 30
        )
        keep_owner = owner_pid  # a user's `cluster up` leaves the node as theirs: no owner
        self._write_state(owner_pid=keep_owner, ready=True, node_ip=node_ip)
        return time.monotonic() - started

    def preflight(self, already_running: bool) -> None:
        """Refuse early, with the reason, where the node cannot work."""
        if os.geteuid() != 0:
            raise PlatformError(
                "The local cluster needs root (it starts containerd, the kubelet and kube-proxy, "
                "and writes iptables rules): run `firebreak cluster up` as root, or point "
                "Firebreak at another cluster with --kube-context."
            )
        if not Path("/sys/fs/cgroup").is_dir() or "memory" not in Path("/proc/cgroups").read_text():
            raise PlatformError("The local cluster needs cgroups with the memory controller.")
        for tool in ("containerd", "ctr", "iptables", "ip", "docker"):
            if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode:
                raise ToolMissingError(
                    f"`{tool}` is missing; `make cluster` installs what the local cluster needs."
                )
        if not (CNI_BIN_DIR / "bridge").is_file():
            raise ToolMissingError(
                f"The CNI plugins are missing from {CNI_BIN_DIR}: install Debian's "
                "`containernetworking-plugins` (`make cluster` does)."
            )
        if not already_running:
            for port in (API_PORT, ETCD_CLIENT_PORT, ETCD_PEER_PORT, 10250):
                if port_taken(port):
                    user = "the API server" if port == API_PORT else "etcd or the kubelet"
                    raise PlatformError(
                        f"Port {port} is taken by another program, and the local cluster needs "
                        f"it ({user}). Stop that program (or the other cluster) first."
                    )

    def build_binaries(self) -> None:
        missing = [name for name in ALL_BINARIES if not self.layout.binary(name).is_file()]
        if not missing:
            return
        self.on_message(
            f"building the cluster's binaries ({', '.join(missing)} missing): about 15 minutes "
            "the first time on 2 cores, cached afterwards"
        )
        env = {**os.environ, "FIREBREAK_CLUSTER_TOOLS": str(self.layout.bin_dir.parent)}
        result = subprocess.run([str(BUILD_SCRIPT)], env=env)
        if result.returncode != 0:
            raise ToolMissingError(f"Building the cluster's binaries failed ({BUILD_SCRIPT}).")

    def _start(self, daemon: str, node_ip: str) -> None:
        record = daemons.start_daemon(self.layout, daemon, node_ip)
        self.on_message(f"{daemon} running (pid {record.pid}, log {self.layout.log_file(daemon)})")

    def _wait(self, ready: Callable[[], bool], daemon: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            daemons.ensure_alive(self.layout, daemon)
            if time.monotonic() > deadline:
                log = self.layout.log_file(daemon)
                raise PlatformError(f"{daemon} did not answer within {timeout_s:.0f} s; see {log}.")
            time.sleep(0.2)

    def _guarded(self, wait: Callable[[], None], daemon: str) -> None:
        try:
            wait()
        except PlatformError:
            daemons.ensure_alive(self.layout, daemon)
            raise

    def _containerd_answers(self) -> bool:
        result = subprocess.run(
            ["ctr", "--address", str(self.layout.containerd_socket), "version"],
            capture_output=True,
            timeout=10,
        )
        return result.returncode == 0

    def _https_ok(self, url: str, cert: str) -> bool:
        pki = self.layout.pki
        context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        context.load_cert_chain(str(pki / f"{cert}.crt"), str(pki / f"{cert}.key"))
        try:
            response = httpx.get(url, verify=context, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def _load_node_images(self) -> None:
        import docker

        try:
            client = docker.from_env(timeout=60)
            client.ping()
        except Exception as exc:
            raise PlatformError(
                f"The local cluster loads its images from Docker, which does not answer ({exc}); "
                "`make docker` starts it."
            ) from None
        ensure_node_images(client, self.layout)
        client.close()
        load_images(self.layout, [PAUSE_IMAGE, COREDNS_IMAGE], self.on_message)

    def _write_state(self, owner_pid: int | None, ready: bool, node_ip: str) -> None:
        owner_time = None
        if owner_pid:
            with contextlib.suppress(psutil.Error):
                owner_time = psutil.Process(owner_pid).create_time()
        self.state_file.write_text(
            json.dumps(
                {
                    "version": K8S_VERSION,
                    "node_ip": node_ip,
                    "owner_pid": owner_pid,
                    "owner_create_time": owner_time,
                    "ready": ready,
                    "kubeconfig": str(self.layout.kubeconfig),
                    "context": CONTEXT_NAME,
                }
            )
        )

    def orphaned(self) -> bool:
        """True for a cluster whose owner is gone, or whose `up` died before Ready."""
        state = self.read_state()
        if not state or not self.status().anything_running:
            return False
        owner = state.get("owner_pid")
        if owner is None:
            return not state.get("ready", False)
        try:
            alive = (
                abs(psutil.Process(owner).create_time() - (state.get("owner_create_time") or 0))
                < 0.5
            )
        except psutil.Error:
            alive = False
        return not alive

    # -- down: see teardown.py ------------------------------------------------------------------
    def down(self) -> list[str]:
        """Stop the node and remove what it left. Where no node of this state folder ever ran
        (no state file, no daemon) nothing is touched: the runtime, chains and links it would
        remove could be another node's, or another kubelet's on this host."""
        from harness.cluster.teardown import tear_down

        if not self.state_file.exists() and not self.status().anything_running:
            return []
        removed = tear_down(self.layout, self.on_message)
        self.state_file.unlink(missing_ok=True)
        return removed


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def host_node_ip() -> str:
    """The node's address: this machine's own address on its uplink (never a loopback one, which
    pods could not reach)."""
    uplink = network.uplink_device()
    if uplink:
        for address in psutil.net_if_addrs().get(uplink, []):
            if address.family == socket.AF_INET:
                return address.address
    raise PlatformError(
        "The local cluster needs this machine's own address for its node and found no default "
        "route to take it from."
    )
