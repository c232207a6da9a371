"""What the sample keeps so its writes can be reconciled across services (issue 21 §4): a charge
and a reservation name their order, and a reservation whose answer never came is given back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sample_system_servers import wait_until
from test_sample_services import Store, order, start

from harness.checks.reconciliation import reconcile
from harness.reconcile_spec import parse_records
from harness.system import load_system
from sample_system.inventory.store import INITIAL_STOCK
from tests.conftest import SAMPLE_SYSTEM

SAMPLE_RELATIONS = load_system(SAMPLE_SYSTEM).reconcile


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Store]:
    running = Store(tmp_path, {"SETTLE_INTERVAL_S": "0.1", "PAYMENTS_LATENCY_MS": "0"})
    try:
        yield running
    finally:
        running.stop_all()


def records(store: Store, service: str) -> list[dict]:
    return httpx.get(f"{store.url(service)}/integrity/records", timeout=5.0).json()["records"]


def findings(store: Store, accepted: list[str]) -> dict:
    answers = {}
    for name, relation in SAMPLE_RELATIONS.items():
        parsed, problem = parse_records({"records": records(store, relation.service)})
        assert problem is None
        answers[name] = parsed
    found = reconcile(accepted, answers, SAMPLE_RELATIONS)
    return {
        name: {k: v for k, v in r.items() if k == "examples"}
        for name, r in found["relations"].items()
    }


def stock(store: Store) -> int:
    return httpx.get(f"{store.url('inventory')}/stock/7", timeout=5.0).json()["available"]


def test_a_charge_and_a_reservation_name_the_order_they_are_for(shop: Store) -> None:
    store = shop
    start(store, "inventory", "payments", "orders", "gateway")
    key = str(uuid.uuid4())
    assert order(store, key).status_code == 201
    assert [(r["ref"], r["state"], r["lines"]) for r in records(store, "orders")] == [
        (key, "confirmed", [7])
    ]
    assert [(r["ref"], r["state"]) for r in records(store, "payments")] == [(key, "succeeded")]
    assert [(r["ref"], r["state"], r["line"]) for r in records(store, "inventory")] == [
        (key, "reserved", 7)
    ]
    assert findings(store, [key]) == {name: {"examples": {}} for name in SAMPLE_RELATIONS}


def test_a_reservation_whose_answer_was_lost_is_given_back_and_never_made_again(
    shop: Store,
) -> None:
    store = shop
    start(store, "inventory", "payments")
    key = str(uuid.uuid4())
    # the reservation is made, but orders never hears of it: inventory is gone by the time
    # orders asks (as a frozen replica runs a held request later)
    made = httpx.post(
        f"{store.url('inventory')}/reservations",
        json={"product_id": 7, "quantity": 1, "reference": key},
        headers={"Idempotency-Key": key},
        timeout=5.0,
    )
    assert made.status_code == 201 and stock(store) == INITIAL_STOCK - 1
    store.stop("inventory")
    start(store, "orders")
    assert order(store, key, via="orders").status_code == 503
    assert [(r["ref"], r["state"]) for r in records(store, "orders")] == [(key, "releasing")]

    start(store, "inventory")
    assert wait_until(lambda: records(store, "orders")[0]["state"] == "released", timeout_s=8.0)
    assert stock(store) == INITIAL_STOCK  # the stock came back
    late = httpx.post(
        f"{store.url('inventory')}/reservations",
        json={"product_id": 7, "quantity": 1, "reference": key},
        headers={"Idempotency-Key": key},
        timeout=5.0,
    )
    assert late.status_code == 409 and stock(store) == INITIAL_STOCK  # a held request: nothing

    # the client's retry of the order reserves under a fresh key, still naming the order
    assert order(store, key, via="orders").status_code == 201
    assert sorted((r["ref"], r["state"]) for r in records(store, "inventory")) == [
        (key, "released"),
        (key, "reserved"),
    ]
    assert findings(store, [key]) == {name: {"examples": {}} for name in SAMPLE_RELATIONS}
