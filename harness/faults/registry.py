"""Fault type name → the class that injects it. One line per fault; third parties add theirs
through the `firebreak.faults` entry point group."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from harness.faults.bandwidth import BandwidthFault
from harness.faults.base import Fault, FaultContext
from harness.faults.blackhole import TimeoutFault
from harness.faults.down import DownFault
from harness.faults.grpc import GrpcFault
from harness.faults.http import HttpFault
from harness.faults.kill import KillFault
from harness.faults.latency import LatencyFault
from harness.faults.limit_data import LimitDataFault
from harness.faults.pause import PauseFault
from harness.faults.reset_peer import ResetPeerFault
from harness.faults.slicer import SlicerFault
from harness.faults.slow_close import SlowCloseFault

FAULT_TYPES: dict[str, type] = {
    "latency": LatencyFault,
    "bandwidth": BandwidthFault,
    "slow_close": SlowCloseFault,
    "timeout": TimeoutFault,
    "reset_peer": ResetPeerFault,
    "slicer": SlicerFault,
    "limit_data": LimitDataFault,
    "down": DownFault,
    "http_error": HttpFault,
    "http_abort": HttpFault,
    "http_delay": HttpFault,
    "grpc_error": GrpcFault,
    "kill": KillFault,
    "pause": PauseFault,
}
EDGE_FAULTS = frozenset(FAULT_TYPES) - {"kill", "pause"}


def _plugin_faults() -> dict[str, type]:
    return {ep.name: ep.load() for ep in entry_points(group="firebreak.faults")}


def build_fault(name: str, spec: Any, targets: tuple[str, ...], ctx: FaultContext) -> Fault:
    fault_class = FAULT_TYPES.get(spec.type) or _plugin_faults()[spec.type]
    return fault_class(name, spec, targets, ctx)
