"""The sample system's fallbacks and breakers under real Toxiproxy faults (issue 2 §4)."""

from __future__ import annotations

import time

import httpx
import pytest

from harness.faults.toxiproxy import ToxicInfo
from tests.integration.sample_stack import (
    TEST_PORT_OFFSET,
    breaker_states,
    metric_sum,
    product_page,
    sample_platform,
    wait_for,
)

GATEWAY_PROMISE_P99_MS = 500


@pytest.fixture(scope="module")
def stack(tmp_path_factory, toxiproxy_server_binary):
    # breakers re-probe after 1 s so the close-again test stays short
    overrides = {"gateway": {"BREAKER_RESET_S": "1.0"}}
    with sample_platform(tmp_path_factory.mktemp("sample"), overrides) as platform:
        yield platform


@pytest.fixture(scope="module")
def stack_without_fallbacks(tmp_path_factory, toxiproxy_server_binary):
    overrides = {"gateway": {"FIREBREAK_DISABLE": "fallbacks"}}
    # its own ports: the module's other stack may still be up
    with sample_platform(
        tmp_path_factory.mktemp("nofallback"), overrides, port_offset=TEST_PORT_OFFSET + 100
    ) as platform:
        yield platform


def test_a_whole_page_is_not_marked_degraded(stack):
    with httpx.Client(timeout=5) as client:
        page = product_page(client, stack.endpoints()["load"])
    assert page.status_code == 200
    assert page.json()["degraded"] == [] and not page.headers.get("X-Degraded")


def test_latency_beyond_the_timeout_serves_the_default_list_within_the_promise(stack):
    fallbacks_before = metric_sum(
        stack, "gateway", "dependency_fallbacks_total", dependency="recommendations"
    )
    stack.toxiproxy.add_toxic(
        "gateway_to_recommendations", ToxicInfo("slow", "latency", attributes={"latency": 1000})
    )
    try:
        timings_ms, pages = [], []
        with httpx.Client(timeout=5) as client:
            for product_id in range(1, 21):
                started = time.monotonic()
                pages.append(product_page(client, stack.endpoints()["load"], product_id))
                timings_ms.append((time.monotonic() - started) * 1000)
    finally:
        stack.toxiproxy.remove_toxic("gateway_to_recommendations", "slow")
    assert all(p.status_code == 200 for p in pages)
    assert all("recommendations" in p.json()["degraded"] for p in pages)
    assert all(p.headers["X-Degraded"] == "recommendations" for p in pages)
    assert pages[0].json()["recommendations"][0]["name"]  # the default best-seller list
    assert max(timings_ms) < GATEWAY_PROMISE_P99_MS, timings_ms
    fallbacks_after = metric_sum(
        stack, "gateway", "dependency_fallbacks_total", dependency="recommendations"
    )
    assert fallbacks_after - fallbacks_before >= 20


def test_inventory_down_opens_the_breaker_which_stops_calls_then_closes(stack):
    proxy = "gateway_to_inventory"
    front_door = stack.endpoints()["load"]
    stack.toxiproxy.set_enabled(proxy, False)
    try:
        with httpx.Client(timeout=5) as client:
            for _ in range(30):  # enough failures for both replicas' breakers (threshold 5)
                assert product_page(client, front_door).status_code == 200
            assert 2 in breaker_states(stack, "gateway", "inventory")
            # while open: the gateway keeps answering, and attempts stop reaching the proxy
            attempts_before = metric_sum(
                stack, "gateway", "dependency_attempts_total", dependency="inventory"
            )
            refused_before = metric_sum(
                stack,
                "gateway",
                "dependency_failures_total",
                dependency="inventory",
                reason="breaker_open",
            )
            pages = [product_page(client, front_door) for _ in range(10)]
            attempts_after = metric_sum(
                stack, "gateway", "dependency_attempts_total", dependency="inventory"
            )
            refused_after = metric_sum(
                stack,
                "gateway",
                "dependency_failures_total",
                dependency="inventory",
                reason="breaker_open",
            )
    finally:
        stack.toxiproxy.set_enabled(proxy, True)
    assert all(p.status_code == 200 and "inventory" in p.json()["degraded"] for p in pages)
    assert all(p.json()["availability"] == "unknown" for p in pages)
    assert refused_after - refused_before >= 5
    assert attempts_after - attempts_before <= 2  # at most a half-open probe per replica

    def closed_again() -> bool:
        with httpx.Client(timeout=5) as client:
            for _ in range(4):
                product_page(client, front_door)
        return set(breaker_states(stack, "gateway", "inventory")) == {0}

    assert wait_for(closed_again, timeout_s=10, interval_s=0.3)
    with httpx.Client(timeout=5) as client:
        assert product_page(client, front_door).json()["degraded"] == []


def test_without_fallbacks_the_same_faults_make_the_gateway_fail(stack_without_fallbacks):
    platform = stack_without_fallbacks
    front_door = platform.endpoints()["load"]
    with httpx.Client(timeout=5) as client:
        assert product_page(client, front_door).status_code == 200  # healthy: fine
        platform.toxiproxy.add_toxic(
            "gateway_to_recommendations",
            ToxicInfo("slow", "latency", attributes={"latency": 1000}),
        )
        try:
            slow = [product_page(client, front_door, i).status_code for i in range(1, 11)]
        finally:
            platform.toxiproxy.remove_toxic("gateway_to_recommendations", "slow")
        platform.toxiproxy.set_enabled("gateway_to_inventory", False)
        try:
            down = [product_page(client, front_door, i).status_code for i in range(1, 11)]
        finally:
            platform.toxiproxy.set_enabled("gateway_to_inventory", True)
    assert all(code >= 500 for code in slow), slow
    assert all(code >= 500 for code in down), down
    assert metric_sum(platform, "gateway", "dependency_fallbacks_total") == 0
