"""pricing: the shop's gRPC price service (`shop.Pricing/GetPrice`).

Prices come from an in-memory list price per SKU with a small time-of-day discount, which stands
in for the pricing rules the real service evaluates. Listens on $HOST:$PORT (default
0.0.0.0:50051), plaintext, as services inside the cluster do; stops on SIGTERM within 1 s.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent import futures

import grpc
from shop import pricing_pb2, pricing_pb2_grpc
from shop.catalog import BOOKS

log = logging.getLogger("pricing")
DISCOUNT_PERCENT = 5  # between 00 and 06 UTC, night owls get 5 % off
STOP_GRACE_S = 1.0


class PricingService(pricing_pb2_grpc.PricingServicer):
    def GetPrice(self, request, context):  # named as the RPC in the proto
        book = BOOKS.get(request.sku)
        if book is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no book with SKU {request.sku!r}")
        price_cents = book.list_price_cents
        if time.gmtime().tm_hour < 6:
            price_cents = price_cents * (100 - DISCOUNT_PERCENT) // 100
        return pricing_pb2.PriceReply(sku=request.sku, price_cents=price_cents, currency="EUR")


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
    address = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '50051')}"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    pricing_pb2_grpc.add_PricingServicer_to_server(PricingService(), server)
    server.add_insecure_port(address)
    server.start()
    log.info("pricing listening on %s", address)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    server.stop(STOP_GRACE_S).wait()


if __name__ == "__main__":
    main()
