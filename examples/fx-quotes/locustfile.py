"""Load for fx-quotes: traders asking for quotes, and now and then for the list of pairs.

A quote marked `"degraded": ["news"]` (a price without headlines) is a success: the promise is
a price, headlines are extra. Anything but a 200 is a failure.
"""

from __future__ import annotations

import random

from locust import FastHttpUser, between, task

# The pairs `quotes` serves (its `GET /pairs`); listed here so the load needs no set-up request.
KNOWN_PAIRS = (
    "EURUSD",
    "GBPUSD",
    "USDJPY",
    "USDCHF",
    "AUDUSD",
    "USDCAD",
    "NZDUSD",
    "EURGBP",
    "EURJPY",
    "GBPJPY",
)


class Trader(FastHttpUser):
    """A trading screen: refreshes quotes, and sometimes the list of pairs it can show."""

    wait_time = between(0.05, 0.2)

    @task(10)
    def get_quote(self) -> None:
        pair = random.choice(KNOWN_PAIRS)
        with self.client.get(
            f"/quotes/{pair}", name="GET /quotes/{pair}", catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task(1)
    def get_pairs(self) -> None:
        with self.client.get("/pairs", name="GET /pairs", catch_response=True) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"status {response.status_code}")
