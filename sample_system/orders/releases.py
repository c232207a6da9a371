"""Giving stock back for reservations an order gave up on.

When inventory's answer never comes (a timeout, a frozen replica, a reset), the reservation may
still have been made, or be made later when a held request finally runs. Orders then queues a
release of that reservation's key, and the settler sends it until inventory confirms; inventory
remembers the key as released, so a request still on its way reserves nothing. The next attempt
at the same order reserves under a fresh key (`<order key>~2`, ...), so a release never takes
stock from an order that was stored. The reservation keeps the order's key as its reference
either way: that is what reconciles it with its order.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from sample_system.common import DependencyUnavailable, Runtime

RELEASE_BATCH = 20
RELEASING = "releasing"
RELEASED = "released"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS releases (
    reservation_key TEXT PRIMARY KEY,
    order_key TEXT NOT NULL,
    released INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS releases_by_order ON releases (order_key);
"""

log = logging.getLogger(__name__)


class GivenUp(Exception):
    """The reservation an order would be stored with was given up and is being released."""


def reservation_key(connection: sqlite3.Connection, order_key: str) -> str:
    """The key of this order's next reservation: the order's own, then a fresh one per
    reservation given up (whose key is burned: inventory refuses it once released)."""
    (given_up,) = connection.execute(
        "SELECT COUNT(*) FROM releases WHERE order_key = ?", (order_key,)
    ).fetchone()
    return order_key if given_up == 0 else f"{order_key}~{given_up + 1}"


def give_up(connection: sqlite3.Connection, key: str, order_key: str) -> bool:
    """Queue the release of reservation ``key``, unless an order already holds it."""
    held = connection.execute("SELECT 1 FROM orders WHERE reservation_key = ?", (key,)).fetchone()
    if held is not None:
        return False
    connection.execute(
        "INSERT OR IGNORE INTO releases (reservation_key, order_key, created_at) VALUES (?, ?, ?)",
        (key, order_key, time.time()),
    )
    return True


def check_not_given_up(connection: sqlite3.Connection, key: str) -> None:
    """Raise GivenUp when reservation ``key`` is released or being released (called in the
    order's own transaction, so a release and an order never share a reservation)."""
    if connection.execute("SELECT 1 FROM releases WHERE reservation_key = ?", (key,)).fetchone():
        raise GivenUp(key)


def unreleased(connection: sqlite3.Connection, limit: int) -> list[str]:
    rows = connection.execute(
        "SELECT reservation_key FROM releases WHERE released = 0 ORDER BY created_at LIMIT ?",
        (limit,),
    ).fetchall()
    return [row[0] for row in rows]


def mark_released(connection: sqlite3.Connection, key: str) -> None:
    connection.execute("UPDATE releases SET released = 1 WHERE reservation_key = ?", (key,))


def records(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Reservations given up, as records of their order that are not an order (the system
    file declares these states `void`; `releasing` is also pending)."""
    rows = connection.execute(
        "SELECT reservation_key, order_key, released FROM releases ORDER BY created_at"
    ).fetchall()
    return [
        {
            "ref": row["order_key"],
            "id": f"release {row['reservation_key']}",
            "state": RELEASED if row["released"] else RELEASING,
        }
        for row in rows
    ]


async def release_once(runtime: Runtime) -> int:
    """Send the oldest queued releases; stop at the first failure. Return how many went."""
    inventory = runtime.dependency("inventory")
    keys = await runtime.db.read(lambda conn: unreleased(conn, RELEASE_BATCH))
    done = 0
    for key in keys:
        try:
            response = await inventory.call("POST", f"/reservations/{key}/release", idempotent=True)
        except DependencyUnavailable:
            break  # inventory is still unreachable: try again next round
        if response.status_code != 200:
            log.warning("Inventory refused to release %s (%s).", key, response.status_code)
            break
        await runtime.db.write(lambda conn, k=key: mark_released(conn, k))
        done += 1
    return done
