"""Payments' charges in SQLite.

Deduplication lives in its own table (`charge_keys`) rather than in a unique index on `charges`,
so that switching `idempotency` off really lets a repeated key make a second charge, and the
integrity figures then show it.

A charge also keeps the caller's `reference` (the order it is for), as a payment API keeps a
reference or metadata apart from the idempotency key: it is what reconciles a charge with its
order when the caller's keys are wrong (docs/contracts.md §2).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS charges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL,
    reference TEXT,
    amount_cents INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_by_key ON charges (idempotency_key);
CREATE TABLE IF NOT EXISTS charge_keys (
    idempotency_key TEXT PRIMARY KEY,
    charge_id INTEGER NOT NULL
);
"""


def _charge(connection: sqlite3.Connection, charge_id: int) -> dict[str, Any]:
    row = connection.execute(
        "SELECT id AS charge_id, idempotency_key, reference, amount_cents FROM charges"
        " WHERE id = ?",
        (charge_id,),
    ).fetchone()
    return {**dict(row), "status": "succeeded"}


def create_charge(
    connection: sqlite3.Connection,
    key: str,
    amount_cents: int,
    *,
    dedupe: bool,
    reference: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Charge once per key (when ``dedupe``); return the charge and whether it is new."""
    if dedupe:
        existing = connection.execute(
            "SELECT charge_id FROM charge_keys WHERE idempotency_key = ?", (key,)
        ).fetchone()
        if existing is not None:
            return _charge(connection, existing["charge_id"]), False
    cursor = connection.execute(
        "INSERT INTO charges (idempotency_key, reference, amount_cents, created_at)"
        " VALUES (?, ?, ?, ?)",
        (key, reference, amount_cents, time.time()),
    )
    charge_id = int(cursor.lastrowid or 0)
    if dedupe:
        connection.execute(
            "INSERT INTO charge_keys (idempotency_key, charge_id) VALUES (?, ?)", (key, charge_id)
        )
    return _charge(connection, charge_id), True


def integrity(connection: sqlite3.Connection) -> dict[str, int]:
    """How many charges, and how many keys were charged more than once."""
    row = connection.execute(
        "SELECT COUNT(*) AS charges, COUNT(DISTINCT idempotency_key) AS distinct_keys FROM charges"
    ).fetchone()
    return {
        "charges": row["charges"],
        "distinct_keys": row["distinct_keys"],
        "duplicate_keys": row["charges"] - row["distinct_keys"],
    }


def doubly_charged_keys(connection: sqlite3.Connection) -> list[str]:
    """The keys charged more than once."""
    rows = connection.execute(
        "SELECT idempotency_key FROM charges GROUP BY idempotency_key HAVING COUNT(*) > 1"
    ).fetchall()
    return [row[0] for row in rows]


def records(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every charge that names what it is for, in the harness's records format."""
    rows = connection.execute(
        "SELECT id, reference FROM charges WHERE reference IS NOT NULL ORDER BY id"
    ).fetchall()
    return [{"ref": row["reference"], "id": row["id"], "state": "succeeded"} for row in rows]
