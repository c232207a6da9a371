"""Payments: a slow, flaky legacy service that charges once per idempotency key.

Its slowness (`PAYMENTS_LATENCY_MS`) and its share of 500s (`PAYMENTS_ERROR_RATE`) are what the
orders service's timeouts, retries, breaker and pending-payment fallback exist for.
"""

from __future__ import annotations

import asyncio
import random
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
    runtime_of,
)
from sample_system.payments import store

DEFAULT_LATENCY_MS = 20.0
DEFAULT_ERROR_RATE = 0.0

PROMISE = Promise(
    service="payments",
    endpoints=[
        EndpointPromise(method="POST", route="/charges", latency_p99_ms=250, availability=0.95),
    ],
)


class ChargeRequest(BaseModel):
    amount_cents: int = Field(ge=0)
    # what the charge is for (the order's key), kept with it as a payment API keeps a reference
    reference: str | None = Field(None, max_length=200)


class IntegrityRequest(BaseModel):
    keys: list[str]


def create_app(env: ServiceEnv) -> FastAPI:
    """The payments app."""
    latency_s = env.get_float("PAYMENTS_LATENCY_MS", DEFAULT_LATENCY_MS) / 1000.0
    error_rate = env.get_float("PAYMENTS_ERROR_RATE", DEFAULT_ERROR_RATE)
    dedupe = env.enabled("idempotency")
    database = Database(env.database_path, store.SCHEMA_SQL)
    app = create_service_app(env, PROMISE, database=database)

    @app.post("/charges")
    async def charge(
        body: ChargeRequest,
        request: Request,
        idempotency_key: str | None = Header(None),
    ) -> JSONResponse:
        if not idempotency_key:
            raise HTTPException(400, "The `Idempotency-Key` header is required.")
        if latency_s > 0:
            await asyncio.sleep(latency_s)
        # The legacy system fails before it charges, so a 500 never hides a charge.
        if error_rate > 0 and random.random() < error_rate:
            return JSONResponse({"error": "The payment processor failed."}, status_code=500)
        result, created = await runtime_of(request).db.write(
            lambda conn: store.create_charge(
                conn, idempotency_key, body.amount_cents, dedupe=dedupe, reference=body.reference
            )
        )
        return JSONResponse(result, status_code=201 if created else 200)

    @app.get("/integrity")
    async def integrity(request: Request) -> dict[str, Any]:
        return await runtime_of(request).db.read(store.integrity)

    @app.post("/integrity")
    async def integrity_of_keys(request: Request, asked: IntegrityRequest) -> dict[str, Any]:
        """A charge per order key, never two: the orders the client saw accepted are the keys
        asked about; any key charged twice (asked or not) is money taken twice."""
        figures = await runtime_of(request).db.read(store.integrity)
        doubled = await runtime_of(request).db.read(store.doubly_charged_keys)
        return {
            **figures,
            "accepted": len(set(asked.keys)),
            "doubly_charged_keys": doubled[:20],
            "violations": {"duplicate_charges": figures["duplicate_keys"]},
        }

    @app.get("/integrity/records")
    async def charge_records(request: Request) -> dict[str, Any]:
        """Every charge with the order it is for, for the harness's reconciliation."""
        return {"records": await runtime_of(request).db.read(store.records)}

    return app
