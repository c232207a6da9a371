"""Charging orders: at once when payments answers, later by the settler when it does not.

Every charge carries the order's idempotency key, so a charge repeated by a retry, by the settler,
or by two replicas' settlers at once is still one charge at payments.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sample_system.common import Dependency, DependencyUnavailable, Runtime
from sample_system.orders import store
from sample_system.orders.releases import release_once

DEFAULT_SETTLE_INTERVAL_S = 0.5
# A fresh order is being charged by the request that made it; leave it to that request first.
SETTLE_GRACE_S = 1.0
SETTLE_BATCH = 20

log = logging.getLogger(__name__)


async def charge(payments: Dependency, order: dict[str, Any]) -> None:
    """Charge one order; raise DependencyUnavailable when payments gives no usable answer."""
    response = await payments.call(
        "POST",
        "/charges",
        idempotent=True,  # the order's key makes a repeated charge harmless
        # the reference says which order the charge is for, whatever key it came with
        json={"amount_cents": order["amount_cents"], "reference": order["idempotency_key"]},
        headers={"Idempotency-Key": order["idempotency_key"]},
    )
    if response.status_code not in (200, 201):
        raise DependencyUnavailable(
            payments.name, "status", f"it answered {response.status_code}", response.status_code
        )


async def settle_once(runtime: Runtime) -> int:
    """Charge the oldest pending orders; stop at the first failure. Return how many settled."""
    payments = runtime.dependency("payments")
    older_than_s = time.time() - SETTLE_GRACE_S
    pending = await runtime.db.read(
        lambda conn: store.pending_orders(conn, older_than_s, SETTLE_BATCH)
    )
    settled = 0
    for order in pending:
        try:
            await charge(payments, order)
        except DependencyUnavailable:
            # Payments is still down (or its breaker is open): try again next round.
            break
        await runtime.db.write(lambda conn, oid=order["order_id"]: store.mark_confirmed(conn, oid))
        settled += 1
    return settled


async def run_settler(runtime: Runtime) -> None:
    """Settle pending orders, and release the reservations orders gave up on, every
    `SETTLE_INTERVAL_S` for as long as the service runs."""
    interval_s = runtime.env.get_float("SETTLE_INTERVAL_S", DEFAULT_SETTLE_INTERVAL_S)
    while True:
        await asyncio.sleep(interval_s)
        try:
            await settle_once(runtime)
        except Exception:
            # The settler must outlive any one bad round: accepted orders depend on it.
            log.exception("The pending-payment settler failed a round; it will try again.")
        try:
            await release_once(runtime)
        except Exception:
            log.exception("Releasing given-up reservations failed a round; it will try again.")
