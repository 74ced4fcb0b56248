"""One aiosqlite connection for the whole bot, plus a transaction helper."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class Database:
    """The bot's SQLite database.

    One connection is shared by every cog. It runs in autocommit mode; writes that belong
    together go through `transaction()`, which serialises writers on this connection so two
    coroutines never interleave inside one transaction.
    """

    def __init__(self, path: Path | str) -> None:
        """Remember where the database lives; `connect()` opens it."""
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def connect(self) -> None:
        """Open the file (creating its folder), enable WAL, foreign keys and a busy timeout."""
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # NORMAL is durable across application crashes in WAL mode; only a power cut can
        # lose the last commits, which is the usual trade for a chat bot.
        await conn.execute("PRAGMA synchronous=NORMAL")
        self._conn = conn
        log.info("database opened", extra={"path": str(self.path)})

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection; raises if `connect()` has not run."""
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    @property
    def is_connected(self) -> bool:
        """Whether `connect()` ran and `close()` has not."""
        return self._conn is not None

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()
            log.info("database closed")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block in one IMMEDIATE transaction: committed on success, rolled back on error."""
        async with self._write_lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement in its own transaction; return the affected row count."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, tuple(params))
            return cursor.rowcount

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT in its own transaction; return the new row id."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, tuple(params))
            row_id = cursor.lastrowid
        if row_id is None:
            raise RuntimeError("INSERT produced no row id")
        return row_id

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Return the first row of a query, or None."""
        async with self.conn.execute(sql, tuple(params)) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Return every row of a query."""
        async with self.conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetch_value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]
