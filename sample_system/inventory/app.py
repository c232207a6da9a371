"""Inventory: stock levels and reservations. A leaf service; reservations are idempotent by key."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sample_system.common import (
    Database,
    EndpointPromise,
    Promise,
    ServiceEnv,
    create_service_app,
    read_or_404,
    runtime_of,
)
from sample_system.inventory import store

PROMISE = Promise(
    service="inventory",
    endpoints=[
        EndpointPromise(
            method="GET", route="/stock/{product_id}", latency_p99_ms=100, availability=0.999
        ),
        EndpointPromise(
            method="POST", route="/reservations", latency_p99_ms=150, availability=0.999
        ),
        EndpointPromise(
            method="POST",
            route="/reservations/{key}/release",
            latency_p99_ms=150,
            availability=0.999,
        ),
    ],
)


class ReservationRequest(BaseModel):
    product_id: int
    quantity: int = Field(ge=1, le=1000)
    # the order the stock is held for, kept with the reservation
    reference: str | None = Field(None, max_length=200)


def create_app(env: ServiceEnv) -> FastAPI:
    """The inventory app."""
    dedupe = env.enabled("idempotency")
    database = Database(env.database_path, store.SCHEMA_SQL, store.seed_stock)
    app = create_service_app(env, PROMISE, database=database)

    @app.get("/stock/{product_id}")
    async def get_stock(product_id: int, request: Request) -> dict[str, Any]:
        return await read_or_404(
            request,
            lambda conn: store.stock_of(conn, product_id),
            f"Product {product_id} has no stock record.",
        )

    @app.post("/reservations")
    async def create_reservation(
        body: ReservationRequest,
        request: Request,
        idempotency_key: str | None = Header(None),
    ) -> JSONResponse:
        if not idempotency_key:
            raise HTTPException(400, "The `Idempotency-Key` header is required.")
        try:
            reservation, created = await runtime_of(request).db.write(
                lambda conn: store.reserve(
                    conn,
                    idempotency_key,
                    body.product_id,
                    body.quantity,
                    dedupe=dedupe,
                    reference=body.reference,
                )
            )
        except store.UnknownProduct as exc:
            raise HTTPException(404, f"Product {body.product_id} has no stock record.") from exc
        except store.OutOfStock as exc:
            raise HTTPException(409, f"Product {body.product_id} is out of stock.") from exc
        except store.Released as exc:
            raise HTTPException(409, "This reservation was released; use a new key.") from exc
        return JSONResponse(reservation, status_code=201 if created else 200)

    @app.post("/reservations/{key}/release")
    async def release_reservation(key: str, request: Request) -> dict[str, Any]:
        """Give back the stock reserved under ``key`` (idempotent: again releases nothing)."""
        released = await runtime_of(request).db.write(lambda conn: store.release(conn, key))
        return {"key": key, "released": released}

    @app.get("/integrity/records")
    async def reservation_records(request: Request) -> dict[str, Any]:
        """Every reservation with the order it holds stock for, for the harness's
        reconciliation."""
        return {"records": await runtime_of(request).db.read(store.records)}

    return app
