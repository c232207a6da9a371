"""Load for the sample store: mostly product pages, some orders, now and then a client retry.

A degraded answer (an `X-Degraded` header, `"availability": "unknown"`, an order
`pending_payment`) is a success: the promise is to answer, not to answer whole. Only what the
promises call unavailable (5xx, or no answer) counts as a failure.

A scenario's task mix arrives as `FIREBREAK_TASK_WEIGHTS` (JSON, e.g.
`{"view_product": 9, "place_order": 1}`)
and replaces the default weights below.

If `FIREBREAK_ACCEPTED_ORDERS_FILE` is set, each accepted order's idempotency key is appended to
it, one per line, so the data-integrity check can confirm every accepted order exists once.
"""

from __future__ import annotations

import json
import os
import random
import threading
import uuid

from locust import FastHttpUser, between, task

PRODUCT_IDS = range(1, 101)
ACCEPTED_ORDERS_FILE = os.environ.get("FIREBREAK_ACCEPTED_ORDERS_FILE", "")
# How often an order is posted a second time with the same key, as a client retry would.
RETRY_SHARE = 0.2

_accepted_lock = threading.Lock()


def record_accepted(idempotency_key: str) -> None:
    """Append an accepted order's key to the shared file (if the harness asked for one)."""
    if not ACCEPTED_ORDERS_FILE:
        return
    with _accepted_lock, open(ACCEPTED_ORDERS_FILE, "a", encoding="utf-8") as accepted:
        accepted.write(f"{idempotency_key}\n")


class Shopper(FastHttpUser):
    """A storefront visitor: browses product pages and sometimes orders."""

    wait_time = between(0.05, 0.2)

    @task
    def view_product(self) -> None:
        product_id = random.choice(PRODUCT_IDS)
        with self.client.get(
            f"/products/{product_id}", name="GET /products/{id}", catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task
    def place_order(self) -> None:
        key = str(uuid.uuid4())
        body = {"product_id": random.choice(PRODUCT_IDS), "quantity": 1}
        accepted = self._post_order(key, body)
        if accepted:
            # Once per key, however often it is posted: the file lists orders, not requests.
            record_accepted(key)
        if accepted and random.random() < RETRY_SHARE:
            # The client never saw the answer (say) and retries: the same request, the same
            # key, and the same order must come back.
            self._post_order(key, body)

    def _post_order(self, key: str, body: dict[str, int]) -> bool:
        with self.client.post(
            "/orders",
            json=body,
            headers={"Idempotency-Key": key},
            name="POST /orders",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 201):
                response.success()
                return True
            response.failure(f"status {response.status_code}")
            return False


DEFAULT_TASK_WEIGHTS = {"view_product": 10, "place_order": 1}
_TASKS_BY_NAME = {"view_product": Shopper.view_product, "place_order": Shopper.place_order}


def task_weights() -> dict[str, int]:
    weights = dict(DEFAULT_TASK_WEIGHTS)
    weights.update(json.loads(os.environ.get("FIREBREAK_TASK_WEIGHTS") or "{}"))
    unknown = set(weights) - set(_TASKS_BY_NAME)
    if unknown:
        raise SystemExit(
            f"Unknown task(s) {sorted(unknown)}; this locustfile has {sorted(_TASKS_BY_NAME)}."
        )
    return weights


Shopper.tasks = [
    _TASKS_BY_NAME[name] for name, weight in task_weights().items() for _ in range(weight)
]
