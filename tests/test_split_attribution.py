"""A split run's front door names the replica that served each answer (issue 24), so the load
can attribute it to an arm with no change to the system."""

from __future__ import annotations

from harness.balancer.config import (
    BalancerPlan,
    EdgeFrontend,
    Replica,
    ServiceBackend,
    render_config,
)
from harness.load.answers import SERVED_BY_HEADER


def _plan(says_server: bool) -> BalancerPlan:
    replicas = (Replica("gateway-0", 20001), Replica("gateway-1", 20002))
    return BalancerPlan(
        "127.0.0.1",
        "127.0.0.1:20000",
        services=[ServiceBackend("gateway", "/ready", replicas, 20003)],
        edges=[EdgeFrontend("load->gateway", "gateway", 20004, http=True, says_server=says_server)],
    )


def test_the_front_door_says_which_replica_served_only_when_asked():
    said = render_config(_plan(says_server=True))
    assert f"    http-response set-header {SERVED_BY_HEADER} %[srv_name]\n" in said
    assert said.count(SERVED_BY_HEADER) == 1
    assert SERVED_BY_HEADER not in render_config(_plan(says_server=False))
