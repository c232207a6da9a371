"""Gateway: the storefront's edge API, composing product pages and forwarding orders.

A product page needs the catalog (without it: 503). Inventory and recommendations are optional:
when either fails, the page still comes, with `"availability": "unknown"` or a default
best-seller list, and the failed names in `"degraded"` and the `X-Degraded` header.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from sample_system.common import (
    DEGRADED_HEADER,
    DependencyPolicy,
    DependencySpec,
    DependencyUnavailable,
    Outcome,
    ServiceEnv,
    create_service_app,
    runtime_of,
    with_fallback,
)
from sample_system.gateway.promise import PROMISE

# Budgets: the optional calls give up by 300 ms and the catalog by 400 ms, all in parallel,
# so a page is answered within the 500 ms p99 promise whatever the dependencies do.
CATALOG = DependencySpec(
    "catalog", "CATALOG_URL", DependencyPolicy(attempt_timeout_s=0.25, deadline_s=0.4)
)
INVENTORY = DependencySpec(
    "inventory", "INVENTORY_URL", DependencyPolicy(attempt_timeout_s=0.15, deadline_s=0.3)
)
RECOMMENDATIONS = DependencySpec(
    "recommendations",
    "RECOMMENDATIONS_URL",
    DependencyPolicy(attempt_timeout_s=0.15, deadline_s=0.3),
)
# Orders' own worst case is about 0.9 s (inventory 0.4 s + payments 0.5 s): wait a bit longer.
ORDERS = DependencySpec(
    "orders", "ORDERS_URL", DependencyPolicy(attempt_timeout_s=1.2, deadline_s=2.5)
)

# Served when recommendations fails: a fixed list needs no dependency at all.
BEST_SELLERS: list[dict[str, Any]] = [
    {"id": 12, "name": "Classic Chair #12"},
    {"id": 27, "name": "Compact Kettle #27"},
    {"id": 45, "name": "Rugged Kettle #45"},
    {"id": 81, "name": "Quiet Kettle #81"},
]
UNKNOWN_AVAILABILITY = "unknown"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def create_app(env: ServiceEnv) -> FastAPI:
    """The gateway app."""
    app = create_service_app(
        env, PROMISE, dependencies=[CATALOG, INVENTORY, RECOMMENDATIONS, ORDERS]
    )

    @app.get("/products/{id}")
    async def product_page(id: int, request: Request) -> JSONResponse:
        runtime = runtime_of(request)
        inventory = runtime.dependency("inventory")
        recommendations = runtime.dependency("recommendations")

        async def availability() -> Any:
            response = await inventory.call("GET", f"/stock/{id}", idempotent=True)
            # A product inventory does not track is not a failure: its stock is just unknown.
            return response.json() if response.status_code == 200 else UNKNOWN_AVAILABILITY

        async def related() -> tuple[list[dict[str, Any]], bool]:
            response = await recommendations.call("GET", f"/recommendations/{id}", idempotent=True)
            if response.status_code != 200:
                return [], False
            body = response.json()
            # Recommendations answered with its own fallback (ids without names): not whole.
            return body["recommendations"], bool(body.get("degraded"))

        # Started before the catalog call, so the three calls overlap.
        availability_task = asyncio.create_task(
            with_fallback(inventory, availability, lambda _: UNKNOWN_AVAILABILITY)
        )
        related_task = asyncio.create_task(
            with_fallback(recommendations, related, lambda _: (BEST_SELLERS, True))
        )
        # Not cancelled when the catalog fails: a cancelled call would count as a failure in
        # that dependency's breaker. They finish within their own 300 ms deadline anyway.
        catalog_result: Any = await asyncio.gather(
            runtime.dependency("catalog").call("GET", f"/products/{id}", idempotent=True),
            availability_task,
            related_task,
            return_exceptions=True,
        )
        for result in catalog_result:
            if isinstance(result, BaseException):
                raise result
        product_response, stock, recs = catalog_result
        if product_response.status_code == 404:
            raise HTTPException(404, f"Product {id} does not exist.")
        if product_response.status_code != 200:
            raise DependencyUnavailable(
                "catalog", "status", status_code=product_response.status_code
            )
        return _page(product_response.json(), stock, recs)

    @app.post("/orders")
    async def place_order(request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        headers = {IDEMPOTENCY_HEADER: key} if key else {}
        payload = await _json_body(request)
        # A POST is retried only with a key: orders then answers a repeat with the first order.
        orders = runtime_of(request).dependency("orders")
        response = await orders.call(
            "POST", "/orders", idempotent=bool(key), json=payload, headers=headers
        )
        passed_headers = {}
        if response.headers.get(DEGRADED_HEADER):
            passed_headers[DEGRADED_HEADER] = response.headers[DEGRADED_HEADER]
        return Response(
            response.content,
            status_code=response.status_code,
            media_type="application/json",
            headers=passed_headers,
        )

    return app


def _page(
    product: dict[str, Any],
    stock: Outcome[Any],
    recs: Outcome[tuple[list[dict[str, Any]], bool]],
) -> JSONResponse:
    recommendations, recs_partial = recs.value
    degraded = []
    if stock.degraded:
        degraded.append("inventory")
    if recs.degraded or recs_partial:
        degraded.append("recommendations")
    body = {
        "product": product,
        "availability": stock.value,
        "recommendations": recommendations,
        "degraded": degraded,
    }
    headers = {DEGRADED_HEADER: ",".join(degraded)} if degraded else {}
    return JSONResponse(body, headers=headers)


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as exc:
        raise HTTPException(400, "The body must be JSON.") from exc
