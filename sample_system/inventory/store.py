"""Inventory's stock levels and reservations in SQLite.

As in payments, deduplication of reservation keys is its own table, so switching `idempotency`
off really lets a repeated key reserve stock twice.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

PRODUCT_COUNT = 100
# Enough that a long load test never runs a product out of stock by accident.
INITIAL_STOCK = 1_000_000

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS stock (
    product_id INTEGER PRIMARY KEY,
    available INTEGER NOT NULL CHECK (available >= 0)
);
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reservation_keys (
    idempotency_key TEXT PRIMARY KEY,
    reservation_id INTEGER NOT NULL
);
"""


class OutOfStock(Exception):
    """Not enough stock for a reservation."""


class UnknownProduct(Exception):
    """The product has no stock record."""


def seed_stock(connection: sqlite3.Connection) -> None:
    """Stock every product; INSERT OR IGNORE keeps a second replica from resetting levels."""
    connection.executemany(
        "INSERT OR IGNORE INTO stock (product_id, available) VALUES (?, ?)",
        [(product_id, INITIAL_STOCK) for product_id in range(1, PRODUCT_COUNT + 1)],
    )


def stock_of(connection: sqlite3.Connection, product_id: int) -> dict[str, Any] | None:
    """The stock level of one product, or None."""
    row = connection.execute(
        "SELECT product_id, available FROM stock WHERE product_id = ?", (product_id,)
    ).fetchone()
    if row is None:
        return None
    return {**dict(row), "in_stock": row["available"] > 0}


def _reservation(connection: sqlite3.Connection, reservation_id: int) -> dict[str, Any]:
    row = connection.execute(
        "SELECT id AS reservation_id, idempotency_key, product_id, quantity"
        " FROM reservations WHERE id = ?",
        (reservation_id,),
    ).fetchone()
    return dict(row)


def reserve(
    connection: sqlite3.Connection, key: str, product_id: int, quantity: int, *, dedupe: bool
) -> tuple[dict[str, Any], bool]:
    """Reserve stock once per key (when ``dedupe``); return it and whether it is new."""
    if dedupe:
        existing = connection.execute(
            "SELECT reservation_id FROM reservation_keys WHERE idempotency_key = ?", (key,)
        ).fetchone()
        if existing is not None:
            return _reservation(connection, existing["reservation_id"]), False
    row = connection.execute(
        "SELECT available FROM stock WHERE product_id = ?", (product_id,)
    ).fetchone()
    if row is None:
        raise UnknownProduct(product_id)
    if row["available"] < quantity:
        raise OutOfStock(product_id)
    connection.execute(
        "UPDATE stock SET available = available - ? WHERE product_id = ?", (quantity, product_id)
    )
    cursor = connection.execute(
        "INSERT INTO reservations (idempotency_key, product_id, quantity, created_at)"
        " VALUES (?, ?, ?, ?)",
        (key, product_id, quantity, time.time()),
    )
    reservation_id = int(cursor.lastrowid or 0)
    if dedupe:
        connection.execute(
            "INSERT INTO reservation_keys (idempotency_key, reservation_id) VALUES (?, ?)",
            (key, reservation_id),
        )
    return _reservation(connection, reservation_id), True
