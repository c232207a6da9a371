"""Orders: takes orders once per idempotency key, reserves stock and charges payments.

An order is accepted (201) once its stock is reserved and it is stored. If payments then fails
(error, timeout, breaker open) the order is `pending_payment`, marked `X-Degraded: payments`, and
the settler charges it when payments returns: an accepted order is never lost or charged twice.
Without inventory nothing is accepted (503), and a retry with the same key is safe: a reservation
whose answer never came is released by the settler (`releases.py`), so no stock is held for an
order that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sample_system.common import (
    DEGRADED_HEADER,
    Database,
    DependencyPolicy,
    DependencySpec,
    DependencyUnavailable,
    EndpointPromise,
    FallbackPromise,
    Promise,
    Runtime,
    ServiceEnv,
    create_service_app,
    read_or_404,
    runtime_of,
    with_fallback,
)
from sample_system.orders import releases, settlement, store

INVENTORY = DependencySpec(
    "inventory", "INVENTORY_URL", DependencyPolicy(attempt_timeout_s=0.2, deadline_s=0.4)
)
PAYMENTS = DependencySpec(
    "payments", "PAYMENTS_URL", DependencyPolicy(attempt_timeout_s=0.25, deadline_s=0.5)
)

PROMISE = Promise(
    service="orders",
    endpoints=[
        EndpointPromise(
            method="POST",
            route="/orders",
            latency_p99_ms=1000,
            availability=0.99,
            on_dependency_failure={
                "payments": FallbackPromise(
                    answer="201 with status pending_payment; charged later, exactly once",
                    degraded_marker="payments",
                ),
                "inventory": FallbackPromise(
                    answer="503 Service Unavailable; nothing stored, safe to retry with the key",
                    degraded_marker=None,
                ),
            },
        ),
        EndpointPromise(method="GET", route="/orders/{id}", latency_p99_ms=100, availability=0.999),
        EndpointPromise(method="GET", route="/integrity", latency_p99_ms=500, availability=0.999),
        EndpointPromise(method="POST", route="/integrity", latency_p99_ms=1000, availability=0.999),
    ],
)


class IntegrityRequest(BaseModel):
    keys: list[str]


class OrderRequest(BaseModel):
    product_id: int
    quantity: int = Field(ge=1, le=1000)


def _answer(order: dict[str, Any], status_code: int, degraded: bool = False) -> JSONResponse:
    body = {
        "order_id": order["order_id"],
        "status": order["status"],
        "idempotency_key": order["idempotency_key"],
        "product_id": order["product_id"],
        "quantity": order["quantity"],
    }
    headers = {DEGRADED_HEADER: "payments"} if degraded else {}
    return JSONResponse(body, status_code=status_code, headers=headers)


async def _reserve(runtime: Runtime, key: str, body: OrderRequest) -> str:
    """Reserve the order's stock; return the reservation's key. The first reservation of an
    order shares its key, so a retried order reserves once; a reservation whose answer never
    came is given up (released by the settler) and the next one gets a fresh key."""
    reservation_key = await runtime.db.read(lambda conn: releases.reservation_key(conn, key))
    try:
        reservation = await runtime.dependency("inventory").call(
            "POST",
            "/reservations",
            idempotent=True,
            # the reference names the order, whatever key this reservation is made under
            json={**body.model_dump(), "reference": key},
            headers={"Idempotency-Key": reservation_key},
        )
    except DependencyUnavailable:
        await runtime.db.write(lambda conn: releases.give_up(conn, reservation_key, key))
        raise
    if reservation.status_code in (404, 409):
        raise HTTPException(reservation.status_code, reservation.json().get("detail"))
    if reservation.status_code >= 400:
        raise HTTPException(502, f"Inventory refused the reservation ({reservation.status_code}).")
    return reservation_key


def create_app(env: ServiceEnv) -> FastAPI:
    """The orders app."""
    dedupe = env.enabled("idempotency")
    database = Database(env.database_path, store.SCHEMA_SQL + releases.SCHEMA_SQL)
    app = create_service_app(
        env,
        PROMISE,
        database=database,
        dependencies=[INVENTORY, PAYMENTS],
        background=[settlement.run_settler],
    )

    @app.post("/orders")
    async def place_order(
        body: OrderRequest, request: Request, idempotency_key: str | None = Header(None)
    ) -> JSONResponse:
        if not idempotency_key:
            raise HTTPException(400, "The `Idempotency-Key` header is required.")
        key = idempotency_key
        runtime = runtime_of(request)
        if dedupe:
            existing = await runtime.db.read(lambda conn: store.order_by_key(conn, key))
            if existing is not None:
                return _answer(existing, 200)
        # Reserve before storing: without stock (or without inventory) nothing is accepted.
        reservation_key = await _reserve(runtime, key, body)
        try:
            order, created = await runtime.db.write(
                lambda conn: store.insert_order(
                    conn,
                    key,
                    body.product_id,
                    body.quantity,
                    dedupe=dedupe,
                    reservation_key=reservation_key,
                )
            )
        except releases.GivenUp as exc:
            raise HTTPException(503, "The reservation was given up; retry the order.") from exc
        if not created:
            # a concurrent request with this key stored it first: give our reservation back
            # if it is not the one that order holds
            await runtime.db.write(lambda conn: releases.give_up(conn, reservation_key, key))
            return _answer(order, 200)
        payments = runtime.dependency("payments")
        outcome = await with_fallback(
            payments, lambda: settlement.charge(payments, order), lambda _: None
        )
        if outcome.degraded:
            return _answer(order, 201, degraded=True)
        await runtime.db.write(lambda conn: store.mark_confirmed(conn, order["order_id"]))
        return _answer({**order, "status": store.CONFIRMED}, 201)

    @app.get("/orders/{id}")
    async def get_order(id: int, request: Request) -> dict[str, Any]:
        return await read_or_404(
            request, lambda conn: store.order_by_id(conn, id), f"Order {id} does not exist."
        )

    @app.get("/integrity")
    async def integrity(request: Request) -> dict[str, int]:
        return await runtime_of(request).db.read(store.integrity)

    @app.get("/integrity/records")
    async def order_records(request: Request) -> dict[str, Any]:
        """Every order under its key, for the harness's reconciliation across services."""
        return {"records": await runtime_of(request).db.read(store.records)}

    @app.post("/integrity")
    async def integrity_of_keys(request: Request, asked: IntegrityRequest) -> dict[str, Any]:
        """The figures above plus which of the client's accepted keys have no order, in the
        harness's integrity contract: `violations` must all be 0, `pending` is still settling."""
        db = runtime_of(request).db
        figures = await db.read(store.integrity)
        missing = await db.write(lambda connection: store.missing_keys(connection, asked.keys))
        return {
            **figures,
            "accepted": len(set(asked.keys)),
            "missing": len(missing),
            "missing_keys": missing[:20],
            "pending": figures["pending_payment"],
            "violations": {
                "missing_orders": len(missing),
                "duplicate_orders": figures["duplicate_keys"],
                "orders_pending_payment": figures["pending_payment"],
            },
        }

    return app
