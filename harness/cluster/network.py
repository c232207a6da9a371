"""Keeping the node's traffic on this machine, and removing what its networking leaves behind.

- The service and pod ranges are routed to a dummy interface: a ClusterIP is only a DNAT rule of
  kube-proxy's, so a packet it did not translate (kube-proxy down, a port no Service has) would
  otherwise follow the default route off the machine; on the dummy it is dropped here. The dummy
  (not a blackhole route) keeps locally sent packets routable up to the nat table, as kube-proxy's
  IPVS mode does with `kube-ipvs0`. Where the kernel has no dummy driver, a bridge with no
  ports serves: nothing is attached to it, so nothing sent to it arrives anywhere.
- A chain of ours, first in the mangle table's FORWARD, lets pods talk to each other and drops
  anything forwarded from the pods' bridge to any other interface, or to it from any other: pods
  reach this host (INPUT) and each other, never the uplink.
- A pod's packet for the dummy (a ClusterIP with no ready endpoint, which kube-proxy did not
  translate) is refused, not dropped: a TCP reset, as kube-proxy's own REJECT gives on any
  cluster. Dropped, a connect() waited out its SYN retries (about 127 s); Toxiproxy dials its
  upstream inside its accept loop with no timeout, so one such connect stopped a whole edge
  for as long, after the replicas of a killed service were back. The rule lives in the CNI
  firewall plugin's `CNI-ADMIN` chain, which its `CNI-FORWARD` enters first: the plugin's own
  ACCEPT for the pod's address would otherwise come before kube-proxy's REJECT.
- Teardown removes the bridge, the dummy, our chain, and the chains kube-proxy, the kubelet and
  the CNI firewall plugin leave (they persist after their daemons stop).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import shlex
import subprocess
from pathlib import Path

from harness.cluster.layout import (
    BRIDGE_NAME,
    CLUSTER_CIDR,
    CNI_NETWORK,
    DUMMY_NAME,
    FIREWALL_CHAIN,
    SERVICE_CIDR,
)
from harness.errors import PlatformError

IPTABLES = ("iptables", "ip6tables")
# chains the node's daemons create and leave (kube-proxy --cleanup removes its own too)
LEFTOVER_CHAIN_PREFIXES = ("KUBE-", "CNI-")
CNI_STATE_DIRS = (Path("/var/lib/cni/networks") / CNI_NETWORK, Path("/var/lib/cni/results"))
# the CNI firewall plugin's chain for an administrator's rules, entered before its own ACCEPTs
CNI_ADMIN_CHAIN = "CNI-ADMIN"
FILTER_TABLE = ("iptables", "-w", "-t", "filter")
_TO_DEAD_END = ("-i", BRIDGE_NAME, "-o", DUMMY_NAME)
DEAD_END_REFUSALS = (
    (*_TO_DEAD_END, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"),
    (*_TO_DEAD_END, "-j", "REJECT", "--reject-with", "icmp-port-unreachable"),
)


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise PlatformError(f"`{' '.join(argv)}` failed: {result.stderr.strip()}")
    return result


def _sysctl(key: str, value: str) -> None:
    path = Path("/proc/sys") / key.replace(".", "/")
    if path.exists() and path.read_text().strip() != value:
        path.write_text(value)


def link_exists(name: str) -> bool:
    return _run("ip", "link", "show", name, check=False).returncode == 0


def prepare_host_network() -> None:
    """Sysctls, the dummy interface with the cluster's ranges, and the forwarding guard."""
    _sysctl("net.ipv4.ip_forward", "1")
    # pod→ClusterIP→pod on one bridge needs the bridge's frames to pass iptables (conntrack)
    if not Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists():
        _run("modprobe", "br_netfilter", check=False)
    _sysctl("net.bridge.bridge-nf-call-iptables", "1")
    if not link_exists(DUMMY_NAME):
        # a kernel without the dummy driver (these VMs have no modules) gets a bridge with no
        # ports instead: it is as much a dead end, a packet routed to it goes nowhere
        made = _run("ip", "link", "add", DUMMY_NAME, "type", "dummy", check=False)
        if made.returncode != 0:
            _run("ip", "link", "add", DUMMY_NAME, "type", "bridge")
    _run("ip", "link", "set", DUMMY_NAME, "up")
    for cidr in (SERVICE_CIDR, CLUSTER_CIDR):
        _run("ip", "route", "replace", cidr, "dev", DUMMY_NAME)
    _install_forward_guard()


def _install_forward_guard() -> None:
    # In the mangle table: it sees forwarded packets before the filter table, where the CNI
    # firewall plugin and kube-proxy insert their own ACCEPT rules at the top of FORWARD (after
    # ours, once the first pod starts), and nothing else inserts there.
    iptables = ("iptables", "-w", "-t", "mangle")
    if _run(*iptables, "-n", "-L", FIREWALL_CHAIN, check=False).returncode != 0:
        _run(*iptables, "-N", FIREWALL_CHAIN)
    _run(*iptables, "-F", FIREWALL_CHAIN)
    for rule in (
        ["-i", BRIDGE_NAME, "-o", BRIDGE_NAME, "-j", "RETURN"],
        # the dead end: refused in the filter table (below); it can never leave from there
        ["-i", BRIDGE_NAME, "-o", DUMMY_NAME, "-j", "RETURN"],
        ["-i", BRIDGE_NAME, "-j", "DROP"],
        ["-o", BRIDGE_NAME, "-j", "DROP"],
    ):
        _run(*iptables, "-A", FIREWALL_CHAIN, *rule)
    if _run(*iptables, "-C", "FORWARD", "-j", FIREWALL_CHAIN, check=False).returncode != 0:
        _run(*iptables, "-I", "FORWARD", "1", "-j", FIREWALL_CHAIN)
    _install_dead_end_refusal()


def _install_dead_end_refusal() -> None:
    if _run(*FILTER_TABLE, "-n", "-L", CNI_ADMIN_CHAIN, check=False).returncode != 0:
        _run(*FILTER_TABLE, "-N", CNI_ADMIN_CHAIN)
    for rule in DEAD_END_REFUSALS:
        if not _has_dead_end_rule(rule):
            _run(*FILTER_TABLE, "-A", CNI_ADMIN_CHAIN, *rule)


def _has_dead_end_rule(rule: tuple[str, ...]) -> bool:
    return _run(*FILTER_TABLE, "-C", CNI_ADMIN_CHAIN, *rule, check=False).returncode == 0


def dead_end_refused_first() -> bool:
    """True when every refusal is in CNI-ADMIN and the CNI firewall plugin's chain enters it
    before any rule of its own (the plugin makes that chain when the first pod starts)."""
    listing = _run(*FILTER_TABLE, "-S", "CNI-FORWARD", check=False).stdout
    rules = [line for line in listing.splitlines() if line.startswith("-A CNI-FORWARD")]
    entered_first = bool(rules) and rules[0].endswith(f"-j {CNI_ADMIN_CHAIN}")
    return entered_first and all(_has_dead_end_rule(rule) for rule in DEAD_END_REFUSALS)


def forward_guard_first() -> bool:
    """True when every forwarded packet meets our chain before any other rule."""
    listing = _run("iptables", "-w", "-t", "mangle", "-S", "FORWARD", check=False).stdout
    rules = [line for line in listing.splitlines() if line.startswith("-A FORWARD")]
    return bool(rules) and rules[0] == f"-A FORWARD -j {FIREWALL_CHAIN}"


def uplink_device() -> str | None:
    """The interface of the default route (where a packet for the outside would leave)."""
    routes = json.loads(_run("ip", "-j", "route", "show", "default").stdout or "[]")
    return routes[0].get("dev") if routes else None


def route_device(address: str) -> str | None:
    """The interface this host would send a packet for `address` out of (None: unroutable)."""
    result = _run("ip", "-j", "route", "get", address, check=False)
    if result.returncode != 0:
        return None
    routes = json.loads(result.stdout or "[]")
    return routes[0].get("dev") if routes else None


def sample_addresses() -> list[str]:
    """A few addresses across each of the cluster's ranges, for the 'stays here' check."""
    found: list[str] = []
    for cidr in (SERVICE_CIDR, CLUSTER_CIDR):
        network = ipaddress.ip_network(cidr)
        for offset in (1, 10, network.num_addresses // 2, network.num_addresses - 2):
            found.append(str(network.network_address + offset))
    return found


def remove_host_network() -> list[str]:
    """Undo `prepare_host_network` and remove what the node's networking left; returns what
    it removed (for `cluster down`'s summary)."""
    removed: list[str] = []
    for link in (BRIDGE_NAME, DUMMY_NAME):
        if link_exists(link):
            _run("ip", "link", "delete", link, check=False)
            removed.append(f"link {link}")
    for tool in IPTABLES:
        removed += _remove_chains(tool)
    for folder in CNI_STATE_DIRS:
        if folder.is_dir() and folder.name == CNI_NETWORK:
            subprocess.run(["rm", "-rf", str(folder)], check=False)
            removed.append(str(folder))
    return removed


def _remove_chains(tool: str) -> list[str]:
    removed: list[str] = []
    for table in ("filter", "nat", "mangle"):
        listing = _run(tool, "-w", "-t", table, "-S", check=False)
        if listing.returncode != 0:
            continue
        chains = [
            line.split()[1]
            for line in listing.stdout.splitlines()
            if line.startswith("-N ")
            and (
                line.split()[1].startswith(LEFTOVER_CHAIN_PREFIXES)
                or line.split()[1] == FIREWALL_CHAIN
            )
        ]
        if not chains:
            continue
        # first every jump into them from the built-in chains, then the chains themselves
        for line in listing.stdout.splitlines():
            parts = shlex.split(line)  # comments are quoted and hold spaces
            if not line.startswith("-A ") or "-j" not in parts or parts[1] in chains:
                continue
            if parts[parts.index("-j") + 1] in chains:
                with contextlib.suppress(PlatformError):
                    _run(tool, "-w", "-t", table, "-D", *parts[1:])
        for chain in chains:
            _run(tool, "-w", "-t", table, "-F", chain, check=False)
        for chain in chains:
            if _run(tool, "-w", "-t", table, "-X", chain, check=False).returncode == 0:
                removed.append(f"{tool} {table} {chain}")
    return removed
