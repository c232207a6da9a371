"""Inventory's stock levels and reservations in SQLite.

As in payments, deduplication of reservation keys is its own table, so switching `idempotency`
off really lets a repeated key reserve stock twice. A reservation keeps the caller's `reference`
(the order it holds stock for), which reconciles it with its order whatever key it came with.

A caller that gave up on a reservation (its answer never came) releases it by key: the stock
comes back, and the key is remembered as released, so a request with that key still on its way
(held by a frozen replica, say) reserves nothing when it finally runs.
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
    reference TEXT,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'reserved',
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS reservations_by_key ON reservations (idempotency_key);
CREATE TABLE IF NOT EXISTS released_keys (
    idempotency_key TEXT PRIMARY KEY
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


class Released(Exception):
    """The key's reservation was released by its caller: it reserves nothing any more."""


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
        "SELECT id AS reservation_id, idempotency_key, reference, product_id, quantity, state"
        " FROM reservations WHERE id = ?",
        (reservation_id,),
    ).fetchone()
    return dict(row)


def reserve(
    connection: sqlite3.Connection,
    key: str,
    product_id: int,
    quantity: int,
    *,
    dedupe: bool,
    reference: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Reserve stock once per key (when ``dedupe``); return it and whether it is new."""
    if connection.execute(
        "SELECT 1 FROM released_keys WHERE idempotency_key = ?", (key,)
    ).fetchone():
        raise Released(key)
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
        "INSERT INTO reservations (idempotency_key, reference, product_id, quantity, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (key, reference, product_id, quantity, time.time()),
    )
    reservation_id = int(cursor.lastrowid or 0)
    if dedupe:
        connection.execute(
            "INSERT INTO reservation_keys (idempotency_key, reservation_id) VALUES (?, ?)",
            (key, reservation_id),
        )
    return _reservation(connection, reservation_id), True


def release(connection: sqlite3.Connection, key: str) -> int:
    """Release every reservation made with ``key`` and remember the key; return how many."""
    connection.execute("INSERT OR IGNORE INTO released_keys (idempotency_key) VALUES (?)", (key,))
    rows = connection.execute(
        "SELECT id, product_id, quantity FROM reservations"
        " WHERE idempotency_key = ? AND state = 'reserved'",
        (key,),
    ).fetchall()
    for row in rows:
        connection.execute(
            "UPDATE stock SET available = available + ? WHERE product_id = ?",
            (row["quantity"], row["product_id"]),
        )
        connection.execute("UPDATE reservations SET state = 'released' WHERE id = ?", (row["id"],))
    return len(rows)


def records(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every reservation that names its order, one per line (product), in the harness's
    records format."""
    rows = connection.execute(
        "SELECT id, reference, product_id, state FROM reservations WHERE reference IS NOT NULL"
        " ORDER BY id"
    ).fetchall()
    return [
        {"ref": row["reference"], "id": row["id"], "state": row["state"], "line": row["product_id"]}
        for row in rows
    ]
