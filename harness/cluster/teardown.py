"""Stopping the node and removing everything it leaves behind (`firebreak cluster down`).

Order matters: the controllers stop first (so nothing recreates pods), then every pod is deleted
through the API while the kubelet still runs (it removes their sandboxes, veths and netns), then
the daemons stop in reverse start order. What a killed kubelet could not clean (containers,
shims, mounts, cgroups) and what the network daemons never clean (chains, the bridge) goes last.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from harness.cluster import daemons, network
from harness.cluster.layout import CONTEXT_NAME, DAEMONS, ClusterLayout
from harness.cluster.node_images import ctr

POD_DRAIN_TIMEOUT_S = 30.0


def tear_down(layout: ClusterLayout, on_message: Callable[[str], None]) -> list[str]:
    removed: list[str] = []
    for daemon in ("kube-controller-manager", "kube-scheduler"):
        if daemons.stop_daemon(layout, daemon):
            removed.append(daemon)
    if daemons.read_record(layout, "kube-apiserver") and daemons.read_record(layout, "kubelet"):
        count = _delete_all_pods(layout)
        if count:
            on_message(f"deleted {count} pod(s) through the API")
    for daemon in reversed(DAEMONS):
        if daemon == "kube-proxy" and daemons.stop_daemon(layout, daemon):
            removed.append(daemon)
            _kube_proxy_cleanup(layout)
        elif daemon != "containerd" and daemons.stop_daemon(layout, daemon):
            removed.append(daemon)
    removed += _remove_containers(layout)
    if daemons.stop_daemon(layout, "containerd"):
        removed.append("containerd")
    removed += _kill_shims(layout)
    removed += _unmount_under(
        (layout.kubelet_root, layout.containerd_state, layout.containerd_root)
    )
    removed += network.remove_host_network()
    removed += _remove_cgroups()
    for folder in (layout.etcd_data, layout.kubelet_root, layout.containerd_state):
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    with contextlib.suppress(OSError):
        layout.containerd_state.parent.rmdir()  # its per-state-folder parent, once empty
    return removed


def _delete_all_pods(layout: ClusterLayout) -> int:
    """Delete every pod with grace 0 and wait until the runtime holds no container of them."""
    from kubernetes import client as k8s

    from harness.platforms.kubernetes.api import api_client

    try:
        core = k8s.CoreV1Api(api_client(layout.kubeconfig, CONTEXT_NAME))
        pods = core.list_pod_for_all_namespaces().items
        for pod in pods:
            with contextlib.suppress(k8s.ApiException):
                core.delete_namespaced_pod(
                    pod.metadata.name, pod.metadata.namespace, grace_period_seconds=0
                )
    except Exception:
        return 0  # the API is not answering: the runtime's containers are removed below
    deadline = time.monotonic() + POD_DRAIN_TIMEOUT_S
    while time.monotonic() < deadline and _running_tasks(layout):
        time.sleep(0.5)
    return len(pods)


def _ctr_lines(layout: ClusterLayout, *args: str) -> list[str] | None:
    """The output lines of a `ctr` command, or None when it failed."""
    result = ctr(layout, *args, timeout_s=60)
    return result.stdout.decode(errors="replace").splitlines() if result.returncode == 0 else None


def _runtime_containers(layout: ClusterLayout) -> list[str]:
    if not layout.containerd_socket.exists():
        return []
    return [line.strip() for line in _ctr_lines(layout, "containers", "list", "-q") or []]


def _running_tasks(layout: ClusterLayout) -> list[str]:
    """Containers whose processes still run (the kubelet stops a deleted pod's at once; their
    records stay until its garbage collection, which `_remove_containers` does instead)."""
    if not layout.containerd_socket.exists():
        return []
    lines = (_ctr_lines(layout, "tasks", "list") or [])[1:]
    return [line.split()[0] for line in lines if line.split()[-1:] == ["RUNNING"]]


def _remove_containers(layout: ClusterLayout) -> list[str]:
    removed = []
    for container in _runtime_containers(layout):
        ctr(layout, "tasks", "kill", "-s", "SIGKILL", container, timeout_s=60)
        ctr(layout, "tasks", "delete", "-f", container, timeout_s=60)
        if ctr(layout, "containers", "delete", container, timeout_s=60).returncode == 0:
            removed.append(f"container {container[:12]}")
    return removed


def _kube_proxy_cleanup(layout: ClusterLayout) -> None:
    binary = layout.binary("kube-proxy")
    if binary.is_file():
        subprocess.run([str(binary), "--cleanup"], capture_output=True, timeout=60)


def shim_pids(layout: ClusterLayout) -> list[int]:
    """Shims of our containerd (they name its socket on their command line): the pods'
    processes are their children. They outlive containerd, and are not its children."""
    address = str(layout.containerd_socket)
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if cmdline and "containerd-shim" in cmdline[0] and address in cmdline:
            found.append(process.info["pid"])
    return found


def _kill_shims(layout: ClusterLayout) -> list[str]:
    """A shim's containers outlive it (they would be reparented to init): they go first."""
    killed = []
    for pid in shim_pids(layout):
        with contextlib.suppress(psutil.Error):
            shim = psutil.Process(pid)
            for child in shim.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.kill()
            shim.kill()
            killed.append(f"shim {pid}")
    return killed


def _unmount_under(folders: tuple[Path, ...]) -> list[str]:
    prefixes = tuple(str(folder) for folder in folders)
    with open("/proc/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    ours = [point for point in points if point.startswith(prefixes)]
    removed = []
    for point in sorted(set(ours), key=len, reverse=True):  # deepest first
        if subprocess.run(["umount", "-l", point], capture_output=True).returncode == 0:
            removed.append(f"mount {point}")
    return removed


def _remove_cgroups() -> list[str]:
    """The kubelet's `kubepods` hierarchy stays in every controller; remove it deepest first
    (only empty cgroups can go, so a live process keeps its own)."""
    removed = []
    root = Path("/sys/fs/cgroup")
    for controller in root.iterdir() if root.is_dir() else []:
        top = controller / "kubepods"
        if not top.is_dir():
            continue
        for folder, _dirs, _files in sorted(os.walk(top), key=lambda w: len(w[0]), reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        if not top.exists():
            removed.append(f"cgroup {controller.name}/kubepods")
    return removed
