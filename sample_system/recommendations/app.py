"""Recommendations: related products, named by the catalog (gateway -> recommendations -> catalog).

When the catalog fails, recommendations still answers: the related ids without names, marked
degraded (`"degraded": ["catalog"]` and `X-Degraded: catalog`). Its catalog budget (100 ms) fits
inside the gateway's 150 ms per attempt, so a slow catalog costs the gateway nothing here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sample_system.common import (
    DEGRADED_HEADER,
    Database,
    DependencyPolicy,
    DependencySpec,
    DependencyUnavailable,
    EndpointPromise,
    FallbackPromise,
    Promise,
    ServiceEnv,
    create_service_app,
    runtime_of,
    with_fallback,
)
from sample_system.recommendations import store

CATALOG = DependencySpec(
    "catalog",
    "CATALOG_URL",
    DependencyPolicy(attempt_timeout_s=0.06, deadline_s=0.1, attempts=2, bulkhead_size=32),
)

PROMISE = Promise(
    service="recommendations",
    endpoints=[
        EndpointPromise(
            method="GET",
            route="/recommendations/{product_id}",
            latency_p99_ms=150,
            availability=0.99,
            on_dependency_failure={
                "catalog": FallbackPromise(
                    answer="the related product ids without names", degraded_marker="catalog"
                )
            },
        )
    ],
)


def create_app(env: ServiceEnv) -> FastAPI:
    """The recommendations app."""
    database = Database(env.database_path, store.SCHEMA_SQL, store.seed_related)
    app = create_service_app(env, PROMISE, database=database, dependencies=[CATALOG])

    @app.get("/recommendations/{product_id}")
    async def recommend(product_id: int, request: Request) -> JSONResponse:
        runtime = runtime_of(request)
        ids = await runtime.db.read(lambda conn: store.related_ids(conn, product_id))
        catalog = runtime.dependency("catalog")

        async def named() -> list[dict[str, Any]]:
            if not ids:
                return []
            response = await catalog.call(
                "GET", "/products", idempotent=True, params={"ids": ",".join(map(str, ids))}
            )
            if response.status_code != 200:
                raise DependencyUnavailable("catalog", "status", status_code=response.status_code)
            names = {item["id"]: item["name"] for item in response.json()["products"]}
            return [{"id": pid, "name": names.get(pid)} for pid in ids]

        def unnamed(_: DependencyUnavailable) -> list[dict[str, Any]]:
            return [{"id": pid, "name": None} for pid in ids]

        outcome = await with_fallback(catalog, named, unnamed)
        degraded = ["catalog"] if outcome.degraded else []
        headers = {DEGRADED_HEADER: ",".join(degraded)} if degraded else {}
        body = {"product_id": product_id, "recommendations": outcome.value, "degraded": degraded}
        return JSONResponse(body, headers=headers)

    return app
