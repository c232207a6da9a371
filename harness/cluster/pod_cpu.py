"""The pods' claim on the CPU, on a node that shares two cores with its own control plane.

On a real cluster the control plane runs elsewhere; here the API server, etcd, the kubelet, the
harness and the rest of the machine compete with the pods, and each of those processes is
weighed like the whole `kubepods` group (the kubelet gives it the shares of its allocatable CPU,
2,048 for two cores, against 1,024 for every busy process outside it). Under a burst of the
control plane the system under test then starved for tens of milliseconds, and its tightest
budgets (60 ms an attempt in the sample) were missed in steady state: one sweep of the shipped
scenarios failed 3 of 4 that way, and passed 3 of 3 with the pods weighed ten times more. So
`cluster up` raises that weight, once the kubelet has made the group (it sets it only at start).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

PODS_CPU_SHARES = 20480  # cgroup v1: ten times the kubelet's 2,048 for two cores
PODS_CPU_WEIGHT = 1000  # cgroup v2: ten times the default 100
CGROUP_ROOT = Path("/sys/fs/cgroup")


def favour_pods(cgroup_root: Path = CGROUP_ROOT) -> str | None:
    """Raise the `kubepods` group's CPU weight; the file written, or None where there is none."""
    for path, value in (
        (cgroup_root / "cpu" / "kubepods" / "cpu.shares", PODS_CPU_SHARES),
        (cgroup_root / "kubepods" / "cpu.weight", PODS_CPU_WEIGHT),
    ):
        if path.is_file():
            with contextlib.suppress(OSError):
                path.write_text(f"{value}\n")
                return str(path)
    return None
