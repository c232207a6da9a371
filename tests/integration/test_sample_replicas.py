"""Killing and freezing replicas of the sample system under steady traffic (issue 2 §4)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from tests.integration.sample_stack import (
    TEST_PORT_OFFSET,
    metric_sum,
    sample_platform,
    wait_for,
)

GATEWAY_AVAILABILITY = 0.99  # the gateway's published promise for GET /products/{id}


class SteadyTraffic:
    """Product-page requests from a few threads until stopped, counted by outcome."""

    def __init__(self, front_door: str, threads: int = 4) -> None:
        self.front_door = front_door
        self.outcomes: Counter[str] = Counter()
        self.latencies_ms: list[float] = []
        self.degraded_latencies_ms: list[float] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _run(self, seed: int) -> None:
        with httpx.Client(timeout=3) as client:
            product_id = seed
            while not self._stop.is_set():
                product_id = product_id % 100 + 1
                started = time.monotonic()
                try:
                    response = client.get(f"{self.front_door}/products/{product_id}")
                    outcome = "ok" if response.status_code == 200 else f"{response.status_code}"
                    if outcome == "ok" and "inventory" in response.json()["degraded"]:
                        outcome = "degraded"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                with self._lock:
                    self.outcomes[outcome] += 1
                    elapsed_ms = (time.monotonic() - started) * 1000
                    self.latencies_ms.append(elapsed_ms)
                    if outcome == "degraded":
                        self.degraded_latencies_ms.append(elapsed_ms)

    def __enter__(self) -> SteadyTraffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def errors(self) -> int:
        return self.total - self.outcomes["ok"] - self.outcomes["degraded"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, toxiproxy_server_binary):
    # without the gateway's retries a call stuck on a frozen replica goes straight to the
    # fallback (with them, the retry's new connection often reaches the live replica), and a
    # breaker that never opens keeps every such call on the timeout path this module measures
    overrides = {"gateway": {"FIREBREAK_DISABLE": "retries", "BREAKER_FAILURE_THRESHOLD": "1000"}}
    with sample_platform(
        tmp_path_factory.mktemp("replicas"),
        overrides,
        port_offset=TEST_PORT_OFFSET + 200,
        restart_delay_s=1.0,
    ) as platform:
        yield platform


def test_a_killed_inventory_replica_is_restored_and_the_gateway_keeps_its_promise(stack):
    victim = stack.instances("inventory")[0]
    with SteadyTraffic(stack.endpoints()["load"]) as traffic:
        time.sleep(1.0)
        stack.kill(victim.id)
        restored = wait_for(
            lambda: all(i.state == "running" for i in stack.instances("inventory")), 10
        )
        time.sleep(1.0)
    assert restored
    assert len(stack.instances("inventory")) == 2
    assert stack.instances("inventory")[0].restarts == 1
    kinds = [(e.kind, e.instance) for e in stack.events]
    assert ("killed", victim.id) in kinds
    assert ("restarted", victim.id) in kinds and ("ready", victim.id) in kinds
    killed_at = next(e.t_s for e in stack.events if e.kind == "killed")
    restarted_at = next(e.t_s for e in stack.events if e.kind == "restarted")
    assert restarted_at > killed_at
    assert traffic.total > 50
    allowed_errors = int(traffic.total * (1 - GATEWAY_AVAILABILITY))
    assert traffic.errors <= allowed_errors, traffic.outcomes


def test_a_paused_replica_times_out_at_the_deadline_and_the_fallback_serves(stack):
    frozen = stack.instances("inventory")[1]
    fallbacks_before = metric_sum(
        stack, "gateway", "dependency_fallbacks_total", dependency="inventory"
    )
    stack.pause(frozen.id)
    try:
        with SteadyTraffic(stack.endpoints()["load"]) as traffic:
            time.sleep(3.0)
    finally:
        stack.resume(frozen.id)
    fallbacks_after = metric_sum(
        stack, "gateway", "dependency_fallbacks_total", dependency="inventory"
    )
    timeouts = metric_sum(
        stack, "gateway", "dependency_failures_total", dependency="inventory", reason="timeout"
    )
    assert traffic.errors == 0, traffic.outcomes
    assert traffic.outcomes["degraded"] >= 1  # the calls that landed on the frozen replica
    assert traffic.outcomes["ok"] >= 3  # and the ones that reached the live one
    assert fallbacks_after - fallbacks_before == traffic.outcomes["degraded"]
    assert timeouts >= traffic.outcomes["degraded"]
    degraded_ms = sorted(traffic.degraded_latencies_ms)
    assert degraded_ms[0] >= 140  # each waited for the caller's 150 ms per-attempt timeout
    # the caller's deadline (300 ms) bounds every page, far inside the 500 ms promise
    assert max(traffic.latencies_ms) < 500, max(traffic.latencies_ms)
