"""One check of the three HTTP faults on a deployed system, for every platform: each is applied
on an optional edge through the platform's balancer, seen at the front door as answers served
with that edge's fallback, and gone once reverted."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import TypeAdapter

from harness.balancer.config import edge_frontend_name
from harness.balancer.http_rules import active_rules
from harness.faults.base import FaultContext
from harness.faults.registry import build_fault
from harness.scenario_faults import FaultSpec
from tests.integration.sample_stack import wait_for

FAULTS = {
    "http_error": {"status": 500},
    "http_abort": {},
    # beyond the callers' attempt timeouts (the sample's gateway 150 ms, fx-quotes' 200 ms)
    "http_delay": {"delay_ms": 400},
}


def sample_degraded(front_door: str, count: int = 12) -> float:
    """The sample's product pages that came with the recommendations fallback."""
    with httpx.Client(timeout=5) as client:
        answers = [client.get(f"{front_door}/products/{n % 50 + 1}") for n in range(count)]
    assert [a.status_code for a in answers] == [200] * count
    marked = [a for a in answers if "recommendations" in a.headers.get("X-Degraded", "")]
    return len(marked) / count


def quotes_degraded(front_door: str, count: int = 12) -> float:
    """fx-quotes' quotes that came without headlines (news' fallback)."""
    with httpx.Client(timeout=5) as client:
        answers = [client.get(f"{front_door}/quotes/EURUSD") for _ in range(count)]
    assert [a.status_code for a in answers] == [200] * count
    return sum("news" in a.json().get("degraded", []) for a in answers) / count


def edge_fault(platform, edge: str, fault_type: str, ledger=None, **parameters):
    """A fault of `fault_type` on `edge`, built by the registry from the scenario's model."""
    name = f"t-{fault_type.replace('_', '-')}"
    spec = TypeAdapter(FaultSpec).validate_python(
        {"name": name, "type": fault_type, "target": edge} | parameters
    )
    context = FaultContext(platform.system, platform, platform.toxiproxy, ledger)
    return build_fault(name, spec, (edge,), context)


def assert_http_faults_act_through_the_balancer(
    platform, edge: str, degraded_share: Callable[[str], float]
) -> None:
    front_door = platform.endpoints()["load"]
    assert degraded_share(front_door) == 0
    for fault_type, parameters in FAULTS.items():
        fault = edge_fault(platform, edge, fault_type, **parameters)
        fault.apply()
        try:
            rules = active_rules(platform.http_faults.api_address)
            assert [r.name for r in rules[edge_frontend_name(edge)]] == [f"firebreak-{fault.name}"]
            assert degraded_share(front_door) == 1, fault_type
        finally:
            fault.revert()
        # a breaker the fault opened closes after its reset time and a probe
        assert wait_for(lambda: degraded_share(front_door) == 0, 10), (
            f"{fault_type} outlived its revert"
        )
