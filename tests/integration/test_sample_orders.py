"""No order lost, none doubled: idempotency keys through resets, and payments outages
(issue 2 §4)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from harness.faults.toxiproxy import ToxicInfo
from tests.integration.sample_stack import TEST_PORT_OFFSET, sample_platform, wait_for


@pytest.fixture(scope="module")
def stack(tmp_path_factory, toxiproxy_server_binary):
    with sample_platform(
        tmp_path_factory.mktemp("orders"), port_offset=TEST_PORT_OFFSET + 300
    ) as platform:
        yield platform


def integrity(stack, keys: list[str] | None = None) -> dict:
    url = stack.instances("orders")[0].url + "/integrity"
    if keys is None:
        return httpx.get(url, timeout=5).json()
    return httpx.post(url, json={"keys": keys}, timeout=5).json()


def post_order(client: httpx.Client, front_door: str, key: str) -> httpx.Response:
    return client.post(
        f"{front_door}/orders",
        json={"product_id": 3, "quantity": 1},
        headers={"Idempotency-Key": key},
    )


def test_the_same_key_posted_twice_makes_one_order(stack):
    key = str(uuid.uuid4())
    with httpx.Client(timeout=5) as client:
        first = post_order(client, stack.endpoints()["load"], key)
        second = post_order(client, stack.endpoints()["load"], key)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["order_id"] == second.json()["order_id"]
    assert integrity(stack, [key])["missing"] == 0
    assert integrity(stack)["duplicate_keys"] == 0


def test_a_retry_after_a_reset_answer_gives_exactly_one_order(stack):
    # reset_peer on the answer's stream: the request gets through, and the first chunk of the
    # answer is swallowed by a reset, so the client cannot know the order exists and retries
    front_door = stack.endpoints()["load"]
    proxy = "load_to_gateway"
    orders_before = integrity(stack)["orders"]
    stack.toxiproxy.add_toxic(
        proxy, ToxicInfo("reset", "reset_peer", stream="downstream", attributes={"timeout": 0})
    )
    key = str(uuid.uuid4())
    try:
        with httpx.Client(timeout=5) as client, pytest.raises(httpx.TransportError):
            post_order(client, front_door, key)
    finally:
        stack.toxiproxy.remove_toxic(proxy, "reset")
    assert integrity(stack)["orders"] == orders_before + 1  # the lost answer's order exists
    with httpx.Client(timeout=5) as client:
        retry = post_order(client, front_door, key)
    assert retry.status_code == 200  # the same order, found by its key
    after = integrity(stack, [key])
    assert after["orders"] == orders_before + 1
    assert after["duplicate_keys"] == 0 and after["missing"] == 0


def test_payments_down_orders_are_pending_then_all_settled(stack):
    front_door = stack.endpoints()["load"]
    keys = [str(uuid.uuid4()) for _ in range(12)]
    stack.toxiproxy.set_enabled("orders_to_payments", False)
    try:
        with httpx.Client(timeout=5) as client:
            answers = [post_order(client, front_door, key) for key in keys]
            # a client retry of each while payments is still down
            retries = [post_order(client, front_door, key) for key in keys[:4]]
    finally:
        stack.toxiproxy.set_enabled("orders_to_payments", True)
    assert all(a.status_code == 201 for a in answers), [a.status_code for a in answers]
    assert {a.json()["status"] for a in answers} == {"pending_payment"}
    assert all(r.status_code == 200 for r in retries)
    assert integrity(stack, keys)["pending_payment"] >= len(keys)

    def settled() -> bool:
        return integrity(stack)["pending_payment"] == 0

    assert wait_for(settled, timeout_s=15, interval_s=0.25)
    final = integrity(stack, keys)
    assert final["missing"] == 0 and final["duplicate_keys"] == 0
    charges = httpx.get(stack.instances("payments")[0].url + "/integrity", timeout=5).json()
    assert charges["duplicate_keys"] == 0  # no order was charged twice
