"""Orders in SQLite: one order per idempotency key, and the pending-payment queue.

Keys are deduplicated through their own table (`order_keys`, primary key on the key) inside the
same transaction as the order, so two replicas racing on one key make one order. With
`idempotency` switched off that table is skipped and a repeated key makes a second order, which
`integrity` then reports.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sample_system.orders import releases

PENDING_PAYMENT = "pending_payment"
CONFIRMED = "confirmed"
# Orders does not own prices (the catalog does); a flat price keeps charges simple and traceable.
UNIT_PRICE_CENTS = 1999

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL,
    reservation_key TEXT,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, created_at);
CREATE INDEX IF NOT EXISTS orders_by_key ON orders (idempotency_key);
CREATE INDEX IF NOT EXISTS orders_by_reservation ON orders (reservation_key);
CREATE TABLE IF NOT EXISTS order_keys (
    idempotency_key TEXT PRIMARY KEY,
    order_id INTEGER NOT NULL
);
"""

_COLUMNS = (
    "id AS order_id, idempotency_key, reservation_key, product_id, quantity, amount_cents, status"
)


def order_by_id(connection: sqlite3.Connection, order_id: int) -> dict[str, Any] | None:
    """One order, or None."""
    row = connection.execute(f"SELECT {_COLUMNS} FROM orders WHERE id = ?", (order_id,)).fetchone()
    return dict(row) if row is not None else None


def order_by_key(connection: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """The order made for ``key``, or None."""
    row = connection.execute(
        "SELECT order_id FROM order_keys WHERE idempotency_key = ?", (key,)
    ).fetchone()
    return order_by_id(connection, row["order_id"]) if row is not None else None


def insert_order(
    connection: sqlite3.Connection,
    key: str,
    product_id: int,
    quantity: int,
    *,
    dedupe: bool,
    reservation_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a pending-payment order once per key (when ``dedupe``); say whether it is new.
    Raise `releases.GivenUp` when its reservation is being released."""
    if dedupe:
        existing = order_by_key(connection, key)
        if existing is not None:
            return existing, False
    releases.check_not_given_up(connection, reservation_key or key)
    now_s = time.time()
    cursor = connection.execute(
        "INSERT INTO orders (idempotency_key, reservation_key, product_id, quantity,"
        " amount_cents, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            reservation_key or key,
            product_id,
            quantity,
            quantity * UNIT_PRICE_CENTS,
            PENDING_PAYMENT,
            now_s,
            now_s,
        ),
    )
    order_id = int(cursor.lastrowid or 0)
    if dedupe:
        connection.execute(
            "INSERT INTO order_keys (idempotency_key, order_id) VALUES (?, ?)", (key, order_id)
        )
    order = order_by_id(connection, order_id)
    assert order is not None  # just inserted in this transaction
    return order, True


def mark_confirmed(connection: sqlite3.Connection, order_id: int) -> None:
    """Record that the order's charge went through (idempotent)."""
    connection.execute(
        "UPDATE orders SET status = ?, updated_at = ? WHERE id = ?",
        (CONFIRMED, time.time(), order_id),
    )


def pending_orders(
    connection: sqlite3.Connection, older_than_s: float, limit: int
) -> list[dict[str, Any]]:
    """The oldest orders still waiting for their charge, created before ``older_than_s``."""
    rows = connection.execute(
        f"SELECT {_COLUMNS} FROM orders WHERE status = ? AND created_at < ?"
        " ORDER BY created_at LIMIT ?",
        (PENDING_PAYMENT, older_than_s, limit),
    ).fetchall()
    return [dict(row) for row in rows]


def integrity(connection: sqlite3.Connection) -> dict[str, int]:
    """The figures the harness's data-integrity check reads (contracts.md §3)."""
    row = connection.execute(
        "SELECT COUNT(*) AS orders, COUNT(DISTINCT idempotency_key) AS distinct_keys,"
        " COALESCE(SUM(status = ?), 0) AS pending_payment,"
        " COALESCE(SUM(status = ?), 0) AS confirmed FROM orders",
        (PENDING_PAYMENT, CONFIRMED),
    ).fetchone()
    return {
        "orders": row["orders"],
        "distinct_keys": row["distinct_keys"],
        "duplicate_keys": row["orders"] - row["distinct_keys"],
        "pending_payment": row["pending_payment"],
        "confirmed": row["confirmed"],
    }


def missing_keys(connection: sqlite3.Connection, keys: list[str]) -> list[str]:
    """The keys among `keys` that have no order: accepted orders that were lost."""
    connection.execute("CREATE TEMP TABLE IF NOT EXISTS asked (key TEXT PRIMARY KEY)")
    connection.execute("DELETE FROM asked")
    connection.executemany("INSERT OR IGNORE INTO asked VALUES (?)", [(k,) for k in keys])
    rows = connection.execute(
        "SELECT key FROM asked WHERE key NOT IN (SELECT idempotency_key FROM orders)"
    ).fetchall()
    return [row[0] for row in rows]


def records(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every order under its key, with its state and its one line (the product), then the
    reservations given up, in the harness's records format."""
    rows = connection.execute(
        "SELECT id, idempotency_key, status, product_id FROM orders ORDER BY id"
    ).fetchall()
    return [
        {
            "ref": row["idempotency_key"],
            "id": row["id"],
            "state": row["status"],
            "lines": [row["product_id"]],
        }
        for row in rows
    ] + releases.records(connection)
