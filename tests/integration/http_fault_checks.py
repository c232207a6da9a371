"""One check of the three HTTP faults on a deployed sample, for every platform: each is applied
on `gateway->recommendations` through the platform's balancer, seen at the front door as pages
served with the recommendations fallback, and gone once reverted."""

from __future__ import annotations

import httpx
from pydantic import TypeAdapter

from harness.balancer.http_rules import active_rules
from harness.faults.base import FaultContext
from harness.faults.registry import build_fault
from harness.scenario_faults import FaultSpec
from tests.integration.sample_stack import wait_for

EDGE = "gateway->recommendations"
FAULTS = {
    "http_error": {"status": 500},
    "http_abort": {},
    "http_delay": {"delay_ms": 400},  # beyond the gateway's 150 ms attempt timeout
}


def degraded_share(front_door: str, count: int = 12) -> float:
    with httpx.Client(timeout=5) as client:
        answers = [client.get(f"{front_door}/products/{n % 50 + 1}") for n in range(count)]
    assert [a.status_code for a in answers] == [200] * count
    marked = [a for a in answers if "recommendations" in a.headers.get("X-Degraded", "")]
    return len(marked) / count


def assert_http_faults_act_through_the_balancer(platform) -> None:
    front_door = platform.endpoints()["load"]
    assert degraded_share(front_door) == 0
    context = FaultContext(platform.system, platform, platform.toxiproxy, None)
    for fault_type, parameters in FAULTS.items():
        name = f"t-{fault_type.replace('_', '-')}"
        spec = TypeAdapter(FaultSpec).validate_python(
            {"name": name, "type": fault_type, "target": EDGE} | parameters
        )
        fault = build_fault(name, spec, (EDGE,), context)
        fault.apply()
        try:
            rules = active_rules(platform.http_faults.api_address)
            assert [r.name for r in rules["edge_gateway_to_recommendations"]] == [
                f"firebreak-{name}"
            ]
            assert degraded_share(front_door) == 1, fault_type
        finally:
            fault.revert()
        # the gateway's breaker, opened by the fault, closes after its reset time and a probe
        assert wait_for(lambda: degraded_share(front_door) == 0, 10), (
            f"{fault_type} outlived its revert"
        )
