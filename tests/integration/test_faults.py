"""Every fault in the registry against a real Toxiproxy and real processes: apply puts exactly
what its parameters say in place (and in the ledger first), revert takes it all back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.faults.base import FaultContext, FaultEvent
from harness.faults.registry import FAULT_TYPES, build_fault
from harness.ledger import Ledger, read_ledgers
from harness.platforms.local.platform import LocalPlatform
from harness.scenario_faults import FaultSpec
from harness.system import load_system
from tests.conftest import TINY_SYSTEM

EDGE = "front->back"
PROXY = "front_to_back"

# type → (scenario parameters, the attributes Toxiproxy must then hold)
TOXICS = {
    "latency": ({"latency_ms": 250, "jitter_ms": 20}, {"latency": 250, "jitter": 20}),
    "bandwidth": ({"rate_kbps": 64}, {"rate": 64}),
    "slow_close": ({"delay_ms": 300}, {"delay": 300}),
    "timeout": ({"timeout_ms": 0}, {"timeout": 0}),
    "reset_peer": ({"timeout_ms": 10}, {"timeout": 10}),
    "slicer": (
        {"average_size_bytes": 16, "size_variation_bytes": 4, "delay_us": 500},
        {"average_size": 16, "size_variation": 4, "delay": 500},
    ),
    "limit_data": ({"bytes": 100}, {"bytes": 100}),
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory, toxiproxy_server_binary):
    run_dir = tmp_path_factory.mktemp("faults")
    platform = LocalPlatform(load_system(TINY_SYSTEM), run_dir, restart_delay_s=0.3)
    platform.deploy()
    platform.wait_ready(15)
    yield platform
    platform.teardown()


@pytest.fixture
def context(platform, tmp_path: Path):
    ledger = Ledger("faults-test", tmp_path)
    events: list[FaultEvent] = []
    yield FaultContext(platform.system, platform, platform.toxiproxy, ledger, events.append), events
    ledger.close()


def spec(fault_type: str, **parameters) -> FaultSpec:
    from pydantic import TypeAdapter

    target = {"service": "back", "count": 1} if fault_type in ("kill", "pause") else EDGE
    data = {
        "name": f"t-{fault_type.replace('_', '-')}",
        "type": fault_type,
        "target": target,
        **parameters,
    }
    return TypeAdapter(FaultSpec).validate_python(data)


def test_the_registry_has_every_fault_the_scenarios_name():
    from harness.scenario_faults import FAULT_TYPES as SCENARIO_FAULT_TYPES

    assert set(FAULT_TYPES) == set(SCENARIO_FAULT_TYPES)


@pytest.mark.parametrize("fault_type", sorted(TOXICS))
def test_a_toxic_is_applied_with_its_parameters_and_reverted(fault_type, platform, context):
    ctx, events = context
    parameters, attributes = TOXICS[fault_type]
    name = f"t-{fault_type.replace('_', '-')}"
    fault = build_fault(name, spec(fault_type, **parameters), (EDGE,), ctx)
    fault.apply()
    try:
        [toxic] = platform.toxiproxy.toxics(PROXY)
        assert (toxic.type, toxic.name) == (fault_type, f"firebreak-{name}")
        assert toxic.attributes == attributes
        [entry] = read_ledgers()[0].faults
        assert (entry.proxy, entry.toxic) == (PROXY, toxic.name)
    finally:
        fault.revert()
    assert platform.toxiproxy.toxics(PROXY) == []
    assert read_ledgers()[0].faults == []
    assert [e.kind for e in events] == ["applied", "reverted"]
    assert events[0].confirmed_t_s >= events[0].t_s


def test_down_disables_the_proxy_until_reverted(platform, context):
    ctx, _ = context
    fault = build_fault("t-down", spec("down"), (EDGE,), ctx)
    fault.apply()
    assert platform.toxiproxy.proxy(PROXY).enabled is False
    assert read_ledgers()[0].faults[0].kind == "down"
    fault.revert()
    assert platform.toxiproxy.proxy(PROXY).enabled is True
    assert read_ledgers()[0].faults == []


def test_pause_freezes_and_revert_resumes(platform, context):
    ctx, _ = context
    fault = build_fault("t-pause", spec("pause"), ("back-0",), ctx)
    fault.apply()
    assert platform.supervisor.slot("back-0").state == "paused"
    fault.revert()
    assert platform.supervisor.slot("back-0").state == "running"


def test_a_kill_without_replacement_stays_down_until_reverted(platform, context):
    ctx, _ = context
    fault = build_fault("t-kill", spec("kill", replace=False), ("back-1",), ctx)
    fault.apply()
    time.sleep(0.8)  # longer than the restart delay: no replacement comes
    assert platform.supervisor.slot("back-1").state == "removed"
    fault.revert()
    deadline = time.monotonic() + 10
    while platform.supervisor.slot("back-1").state != "running":
        assert time.monotonic() < deadline, "the replica was not restored"
        time.sleep(0.05)
