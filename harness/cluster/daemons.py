"""The node's daemons: their command lines, and starting, finding and stopping them.

Each runs in its own session (a terminal's Ctrl-C or the end of `firebreak cluster up` leaves it
running), writes its log to `logs/<name>.log` and its pid and start time to `pids/<name>.pid`, so
`status`, `down` and `cleanup` find it later from any process, and never mistake a reused pid
for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from harness.cluster.layout import (
    API_PORT,
    CLUSTER_CIDR,
    ETCD_CLIENT_PORT,
    ETCD_PEER_PORT,
    NODE_NAME,
    SERVICE_CIDR,
    ClusterLayout,
)
from harness.errors import PlatformError


@dataclass(frozen=True)
class DaemonRecord:
    name: str
    pid: int
    create_time: float


def command_line(layout: ClusterLayout, daemon: str, node_ip: str) -> list[str]:
    pki = layout.pki
    cfg = layout.configs
    etcd_url = f"https://127.0.0.1:{ETCD_CLIENT_PORT}"
    peer_url = f"http://127.0.0.1:{ETCD_PEER_PORT}"
    quiet = ["--v=1"]
    if daemon == "containerd":
        return [
            shutil.which("containerd") or "containerd",
            "--config",
            str(cfg / "containerd.toml"),
        ]
    if daemon == "etcd":
        return [
            str(layout.binary("etcd")),
            "--name=firebreak",
            f"--data-dir={layout.etcd_data}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            # one member on loopback: its peer port serves no one else
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=firebreak={peer_url}",
            f"--cert-file={pki / 'etcd-server.crt'}",
            f"--key-file={pki / 'etcd-server.key'}",
            f"--trusted-ca-file={pki / 'ca.crt'}",
            "--client-cert-auth=true",
            "--log-level=warn",
        ]
    if daemon == "kube-apiserver":
        return [
            str(layout.binary(daemon)),
            f"--advertise-address={node_ip}",
            f"--secure-port={API_PORT}",
            f"--etcd-servers={etcd_url}",
            f"--etcd-cafile={pki / 'ca.crt'}",
            f"--etcd-certfile={pki / 'apiserver-etcd-client.crt'}",
            f"--etcd-keyfile={pki / 'apiserver-etcd-client.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            f"--kubelet-certificate-authority={pki / 'ca.crt'}",
            "--kubelet-preferred-address-types=InternalIP",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
            "--profiling=false",
            *quiet,
        ]
    if daemon == "kube-controller-manager":
        return [
            *_controller(layout, daemon),
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            "--allocate-node-cidrs=true",
            f"--cluster-cidr={CLUSTER_CIDR}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--profiling=false",
            *quiet,
        ]
    if daemon == "kube-scheduler":
        return [*_controller(layout, daemon), "--profiling=false", *quiet]
    if daemon == "kubelet":
        return [
            str(layout.binary(daemon)),
            f"--config={cfg / 'kubelet.yaml'}",
            f"--kubeconfig={layout.kubeconfig_of('kubelet')}",
            f"--root-dir={layout.kubelet_root}",
            f"--node-ip={node_ip}",
            f"--hostname-override={NODE_NAME}",
            *quiet,
        ]
    if daemon == "kube-proxy":
        return [str(layout.binary(daemon)), f"--config={cfg / 'kube-proxy.yaml'}", *quiet]
    raise ValueError(f"unknown daemon {daemon}")


def _controller(layout: ClusterLayout, daemon: str) -> list[str]:
    """What the controller manager and the scheduler share: one kubeconfig to sign in and to
    check callers of their health ports, loopback only, no leader election (one node)."""
    kubeconfig = layout.kubeconfig_of(daemon)
    return [
        str(layout.binary(daemon)),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        "--leader-elect=false",
    ]


def read_record(layout: ClusterLayout, daemon: str) -> DaemonRecord | None:
    """The daemon's pid file, if it names a process that is still that daemon."""
    try:
        data = json.loads(layout.pid_file(daemon).read_text())
        record = DaemonRecord(daemon, int(data["pid"]), float(data["create_time"]))
    except (OSError, ValueError, KeyError):
        return None
    try:
        process = psutil.Process(record.pid)
        if abs(process.create_time() - record.create_time) > 0.5 or process.status() == "zombie":
            return None
    except psutil.Error:
        return None
    return record


def start_daemon(layout: ClusterLayout, daemon: str, node_ip: str) -> DaemonRecord:
    """Start one daemon in the background (or return the running one)."""
    running = read_record(layout, daemon)
    if running is not None:
        return running
    argv = command_line(layout, daemon, node_ip)
    if not Path(argv[0]).is_file() and shutil.which(argv[0]) is None:
        raise PlatformError(f"`{argv[0]}` is missing: run `firebreak cluster up` to build it.")
    log = open(layout.log_file(daemon), "ab")  # noqa: SIM115 - the child keeps it open
    try:
        log.write(f"\n=== started {time.strftime('%Y-%m-%d %H:%M:%S')}: {argv}\n".encode())
        log.flush()
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not stopped by the terminal's Ctrl-C, outlives `up`
            close_fds=True,
        )
    finally:
        log.close()
    record = DaemonRecord(daemon, process.pid, psutil.Process(process.pid).create_time())
    layout.pid_file(daemon).write_text(
        json.dumps({"pid": record.pid, "create_time": record.create_time})
    )
    return record


def stop_daemon(layout: ClusterLayout, daemon: str, timeout_s: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL after `timeout_s`; True if it was running."""
    record = read_record(layout, daemon)
    layout.pid_file(daemon).unlink(missing_ok=True)
    if record is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and psutil.pid_exists(record.pid):
        with contextlib.suppress(psutil.Error):
            if psutil.Process(record.pid).status() == "zombie":
                break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGKILL)
    return True


def ensure_alive(layout: ClusterLayout, daemon: str) -> None:
    """Raise with the daemon's last log lines if it has exited."""
    if read_record(layout, daemon) is None:
        from harness.child_processes import log_tail

        raise PlatformError(
            f"{daemon} exited during `cluster up`; its log ({layout.log_file(daemon)}) ends:\n"
            + log_tail(layout.log_file(daemon))
        )
