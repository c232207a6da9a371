"""One SQLite file per service, shared by all of its replicas.

All access runs on one worker thread per process that owns the connection: sqlite3 calls never
block the event loop, and a transaction never spans an ``await`` because each unit of work is a
plain function run start to finish on that thread.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Replicas write the same file; a writer waits this long for another's lock instead of failing.
BUSY_TIMEOUT_MS = 5000


class Database:
    """A SQLite database opened with WAL, a busy timeout and an idempotent schema and seed."""

    def __init__(
        self,
        path: Path,
        schema_sql: str,
        seed: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.path = path
        self._schema_sql = schema_sql
        self._seed = seed
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"db-{path.stem}")
        self._connection: sqlite3.Connection | None = None

    @property
    def is_open(self) -> bool:
        """Whether the database can serve (the readiness probe asks)."""
        return self._connection is not None

    async def open(self) -> None:
        """Open the file, set it up and seed it; safe when several replicas start together."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._open_sync)

    def _open_sync(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE in `write`).
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        # The busy timeout first, so that switching to WAL waits for a replica doing the same.
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _switch_to_wal(connection)
        connection.execute("PRAGMA synchronous = NORMAL")
        # executescript commits on its own, so the script carries its own transaction.
        connection.executescript(f"BEGIN IMMEDIATE;\n{self._schema_sql}\nCOMMIT;")
        if self._seed is not None:
            self._transaction(connection, self._seed)
        self._connection = connection

    async def close(self) -> None:
        """Close the connection and stop the worker thread."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, connection.close)
        self._executor.shutdown(wait=False)

    async def read(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read-only unit of work on the database thread."""
        connection = self._require_open()
        return await asyncio.get_running_loop().run_in_executor(self._executor, unit, connection)

    async def write(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """Run a unit of work in one write transaction on the database thread."""
        connection = self._require_open()
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._transaction, connection, unit
        )

    def _require_open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError(f"The database `{self.path}` is not open.")
        return self._connection

    @staticmethod
    def _transaction(connection: sqlite3.Connection, unit: Callable[[sqlite3.Connection], T]) -> T:
        # IMMEDIATE takes the write lock up front: a deferred transaction that upgrades later can
        # fail at once with SQLITE_BUSY when another replica wrote meanwhile (busy_timeout or not).
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = unit(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result


def _switch_to_wal(connection: sqlite3.Connection, attempts: int = 100) -> None:
    # SQLite answers "database is locked" at once, without the busy handler, when another
    # replica is switching the same file to WAL at this moment: try again for a while.
    for attempt in range(attempts):
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02 + random.random() * 0.03)
