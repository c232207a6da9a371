"""Catalog: the products. A leaf service with no dependencies; every page needs it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request

from sample_system.catalog import store
from sample_system.common import (
    Database,
    EndpointPromise,
    Promise,
    ServiceEnv,
    create_service_app,
    read_or_404,
    runtime_of,
)

MAX_IDS_PER_QUERY = 50

PROMISE = Promise(
    service="catalog",
    endpoints=[
        EndpointPromise(
            method="GET", route="/products/{id}", latency_p99_ms=100, availability=0.999
        ),
        EndpointPromise(method="GET", route="/products", latency_p99_ms=100, availability=0.999),
    ],
)


def parse_ids(raw: str) -> list[int]:
    """Parse ``ids=1,2,3``; reject anything else with a 400."""
    try:
        product_ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise HTTPException(400, "`ids` must be a comma-separated list of integers.") from exc
    if len(product_ids) > MAX_IDS_PER_QUERY:
        raise HTTPException(400, f"`ids` may hold at most {MAX_IDS_PER_QUERY} ids.")
    return product_ids


def create_app(env: ServiceEnv) -> FastAPI:
    """The catalog app."""
    database = Database(env.database_path, store.SCHEMA_SQL, store.seed_products)
    app = create_service_app(env, PROMISE, database=database)

    @app.get("/products/{id}")
    async def get_product(id: int, request: Request) -> dict[str, Any]:
        return await read_or_404(
            request, lambda conn: store.product_by_id(conn, id), f"Product {id} does not exist."
        )

    @app.get("/products")
    async def get_products(request: Request, ids: str = Query("")) -> dict[str, Any]:
        product_ids = parse_ids(ids)
        products = await runtime_of(request).db.read(
            lambda conn: store.products_by_ids(conn, product_ids)
        )
        return {"products": products}

    return app
