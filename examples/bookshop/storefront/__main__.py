"""storefront: the shop's web front door.

GET /books/{sku}?reader=ID answers a book with its current price, from `pricing` over gRPC, and the
reader's recently viewed books, a short list per reader kept in Redis (this view is added to it).
Both calls run at once, and each has a bound:
- pricing: a 300 ms deadline. When pricing fails (UNAVAILABLE, DEADLINE_EXCEEDED, anything but
  NOT_FOUND), the book is still sold at its list price from our own catalog, and the answer says
  so: `"degraded": ["pricing"]`.
- redis: 100 ms per command round trip (connect included). When Redis is slow or gone, the book
  is answered without the list: `"recently_viewed": []`, `"degraded": ["recently-viewed"]`.

Configuration (environment): PRICING_ADDR (host:port of pricing, default pricing:50051),
REDIS_URL (default redis://redis:6379/0), PRICING_DEADLINE_MS, REDIS_TIMEOUT_MS, HOST, PORT.
"""

from __future__ import annotations

import asyncio
import logging
import os

import grpc
import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import RedisError
from shop import pricing_pb2, pricing_pb2_grpc
from shop.catalog import BOOKS, Book

log = logging.getLogger("storefront")

PRICING_DEADLINE_S = int(os.environ.get("PRICING_DEADLINE_MS", "300")) / 1000
REDIS_TIMEOUT_S = int(os.environ.get("REDIS_TIMEOUT_MS", "100")) / 1000
RECENTLY_VIEWED = 5  # books kept per reader
# gRPC's default reconnect backoff grows to 120 s; after a pricing outage we want prices back
# within a second of pricing's return, not minutes
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
]

PRICING = web.AppKey("pricing", pricing_pb2_grpc.PricingStub)
VIEWS = web.AppKey("views", aioredis.Redis)


class NoPrice(Exception):
    """Pricing failed; the book sells at its list price."""


async def current_price(stub: pricing_pb2_grpc.PricingStub, book: Book) -> int | None:
    """The price in cents; None when pricing knows no such book; `NoPrice` when it failed."""
    try:
        reply = await stub.GetPrice(
            pricing_pb2.PriceRequest(sku=book.sku), timeout=PRICING_DEADLINE_S
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:
            return None
        log.warning("pricing failed for %s: %s", book.sku, exc.code().name)
        raise NoPrice from exc
    return reply.price_cents


async def viewed(views: aioredis.Redis, reader: str, sku: str) -> list[str] | None:
    """The reader's recently viewed books before this one (this view recorded), or None when
    Redis did not answer in time."""
    key = f"viewed:{reader}"
    try:
        async with views.pipeline(transaction=False) as pipe:
            pipe.lrange(key, 0, RECENTLY_VIEWED - 1)
            pipe.lpush(key, sku)
            pipe.ltrim(key, 0, RECENTLY_VIEWED - 1)
            earlier, _, _ = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("recently viewed failed for %s: %s", reader, exc)
        return None
    return [s.decode() for s in earlier]


async def get_book(request: web.Request) -> web.Response:
    sku = request.match_info["sku"]
    book = BOOKS.get(sku)
    if book is None:
        return web.json_response({"error": f"no book {sku}"}, status=404)
    reader = request.query.get("reader", "anonymous")
    price, earlier = await asyncio.gather(
        current_price(request.app[PRICING], book),
        viewed(request.app[VIEWS], reader, sku),
        return_exceptions=True,
    )
    degraded: list[str] = []
    if isinstance(price, NoPrice):
        price = book.list_price_cents
        degraded.append("pricing")
    elif isinstance(price, BaseException):
        raise price
    elif price is None:
        return web.json_response({"error": f"no price for {sku}"}, status=404)
    if isinstance(earlier, BaseException):
        raise earlier
    if earlier is None:
        earlier = []
        degraded.append("recently-viewed")
    return web.json_response(
        {
            "sku": sku,
            "title": book.title,
            "price_cents": price,
            "currency": "EUR",
            "recently_viewed": earlier,
            "degraded": degraded,
        }
    )


async def list_books(request: web.Request) -> web.Response:
    return web.json_response({"books": [{"sku": b.sku, "title": b.title} for b in BOOKS.values()]})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def connect(app: web.Application):
    """Open the gRPC channel and the Redis pool for the app's life."""
    channel = grpc.aio.insecure_channel(
        os.environ.get("PRICING_ADDR", "pricing:50051"), options=CHANNEL_OPTIONS
    )
    app[PRICING] = pricing_pb2_grpc.PricingStub(channel)
    app[VIEWS] = aioredis.from_url(
        os.environ.get("REDIS_URL", "redis://redis:6379/0"),
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
    )
    yield
    await app[VIEWS].aclose()
    await channel.close()


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/books", list_books)
    app.router.add_get("/books/{sku}", get_book)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(connect)
    return app


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
    web.run_app(
        make_app(),
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8080")),
        access_log=None,
        shutdown_timeout=1.0,
        print=None,
    )


if __name__ == "__main__":
    main()
