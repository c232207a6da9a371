"""Load for the bookshop: readers looking at books, now and then at the whole list.

A book at its list price (`"degraded": ["pricing"]`) or without the reader's recently viewed
books (`"degraded": ["recently-viewed"]`) is still a sale. Anything but a 200 is a failure.
"""

from __future__ import annotations

import random

from locust import FastHttpUser, between, task

SKUS = tuple(f"bk-{n:03d}" for n in range(1, 13))  # storefront's `GET /books`


class Reader(FastHttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.reader = f"reader-{random.randrange(10_000)}"

    @task(10)
    def get_book(self) -> None:
        sku = random.choice(SKUS)
        with self.client.get(
            f"/books/{sku}?reader={self.reader}", name="GET /books/{sku}", catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task(1)
    def list_books(self) -> None:
        with self.client.get("/books", name="GET /books", catch_response=True) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"status {response.status_code}")
