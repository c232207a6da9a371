"""Recommendations' own data: which products go with which, seeded the same by every replica."""

from __future__ import annotations

import sqlite3

PRODUCT_COUNT = 100
RELATED_PER_PRODUCT = 4
# Steps through the id space that give each product a stable, varied set of related products.
_STEPS = (7, 13, 29, 41)

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS related (
    product_id INTEGER NOT NULL,
    related_id INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (product_id, rank)
);
"""


def seed_related(connection: sqlite3.Connection) -> None:
    """Insert the related products; INSERT OR IGNORE makes concurrent seeding harmless."""
    rows = [
        (product_id, (product_id - 1 + step) % PRODUCT_COUNT + 1, rank)
        for product_id in range(1, PRODUCT_COUNT + 1)
        for rank, step in enumerate(_STEPS[:RELATED_PER_PRODUCT])
    ]
    connection.executemany(
        "INSERT OR IGNORE INTO related (product_id, related_id, rank) VALUES (?, ?, ?)", rows
    )


def related_ids(connection: sqlite3.Connection, product_id: int) -> list[int]:
    """The ids related to ``product_id``, best first (empty for an unknown product)."""
    rows = connection.execute(
        "SELECT related_id FROM related WHERE product_id = ? ORDER BY rank", (product_id,)
    ).fetchall()
    return [row["related_id"] for row in rows]
