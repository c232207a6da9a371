"""The catalog's products in SQLite, seeded with the same 100 products by every replica."""

from __future__ import annotations

import sqlite3
from typing import Any

PRODUCT_COUNT = 100
SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents INTEGER NOT NULL
);
"""
_ADJECTIVES = ("Sturdy", "Quiet", "Bright", "Compact", "Classic", "Rugged", "Light", "Smart")
_NOUNS = ("Kettle", "Lamp", "Backpack", "Chair", "Headphones", "Mug", "Tent", "Notebook", "Drill")
_CATEGORIES = ("home", "outdoor", "office", "audio", "tools")


def seed_products(connection: sqlite3.Connection) -> None:
    """Insert the products; INSERT OR IGNORE makes two replicas seeding at once harmless."""
    rows = [
        (
            product_id,
            f"{_ADJECTIVES[product_id % len(_ADJECTIVES)]} {_NOUNS[product_id % len(_NOUNS)]}"
            f" #{product_id}",
            _CATEGORIES[product_id % len(_CATEGORIES)],
            499 + (product_id * 137) % 9500,
        )
        for product_id in range(1, PRODUCT_COUNT + 1)
    ]
    connection.executemany(
        "INSERT OR IGNORE INTO products (id, name, category, price_cents) VALUES (?, ?, ?, ?)",
        rows,
    )


def product_by_id(connection: sqlite3.Connection, product_id: int) -> dict[str, Any] | None:
    """One product, or None."""
    row = connection.execute(
        "SELECT id, name, category, price_cents FROM products WHERE id = ?", (product_id,)
    ).fetchone()
    return dict(row) if row is not None else None


def products_by_ids(connection: sqlite3.Connection, product_ids: list[int]) -> list[dict[str, Any]]:
    """The products among ``product_ids`` that exist, in the order asked."""
    if not product_ids:
        return []
    placeholders = ",".join("?" for _ in product_ids)
    rows = connection.execute(
        f"SELECT id, name, category, price_cents FROM products WHERE id IN ({placeholders})",
        product_ids,
    ).fetchall()
    by_id = {row["id"]: dict(row) for row in rows}
    return [by_id[product_id] for product_id in product_ids if product_id in by_id]
