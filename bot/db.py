"""The database: one front door for SQLite (the default) and PostgreSQL.

Stores write portable SQL with `:named` parameters and call the methods below; SQLAlchemy
Core turns the parameters into each driver's style, and this module (with `bot.dbdrivers`)
is the only place that knows which driver runs underneath, its exceptions and its pragmas.

Writes go through `transaction()` (or the one-statement helpers, each its own transaction):
committed on success, rolled back on error. Reads run outside any write transaction and
see committed data only.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dbdrivers import (
    Driver,
    IntegrityError,
    StorageError,
    StorageFull,
    StorageGone,
    StorageUnavailable,
    make_driver,
)

__all__ = [
    "Database",
    "IntegrityError",
    "Row",
    "StorageError",
    "StorageFull",
    "StorageGone",
    "StorageUnavailable",
    "Transaction",
]

log = logging.getLogger(__name__)

# Named parameters (`:name`) only: the same statement runs on both backends.
Params = Mapping[str, Any] | None
Dialect = Literal["sqlite", "postgresql"]


class Row(tuple[Any, ...]):
    """A result row: by position (`row[0]`, `tuple(row)`) and by column name (`row["title"]`)."""

    __slots__ = ()
    _index: Mapping[str, int] = {}

    def __getitem__(self, key: Any) -> Any:
        """The value at a position, or of a named column."""
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """The column names, in order."""
        return list(self._index)


_ROW_TYPES: dict[tuple[str, ...], type[Row]] = {}


def _row_type(keys: tuple[str, ...]) -> type[Row]:
    # One small subclass per distinct column list, so a row costs no more than a tuple.
    row_type = _ROW_TYPES.get(keys)
    if row_type is None:
        index = {key: position for position, key in enumerate(keys)}
        row_type = type("Row", (Row,), {"__slots__": (), "_index": index})
        _ROW_TYPES[keys] = row_type
    return row_type


def _rows(result: CursorResult[Any]) -> list[Row]:
    row_type = _row_type(tuple(result.keys()))
    return [row_type(row) for row in result.fetchall()]


def _statement(sql: str, params: Mapping[str, Any] | None) -> TextClause:
    statement = text(sql)
    if params:
        # A list or tuple value fills an `IN :name` list, one placeholder per item.
        lists: list[BindParameter[Any]] = [
            bindparam(name, expanding=True) for name, v in params.items() if _is_list(v)
        ]
        if lists:
            statement = statement.bindparams(*lists)
    return statement


def _values(params: Mapping[str, Any] | None) -> dict[str, Any]:
    if not params:
        return {}
    return {
        name: list(value) if isinstance(value, set | frozenset) else value
        for name, value in params.items()
    }


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple | frozenset | set)


class Transaction:
    """Statements on one connection; inside `Database.transaction()` they commit together."""

    def __init__(self, conn: AsyncConnection, driver: Driver) -> None:
        """Wrap an open connection."""
        self._conn = conn
        self._driver = driver

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the connection."""
        return bool(self._conn.in_transaction())

    @property
    def connection(self) -> AsyncConnection:
        """The underlying connection (for the database layer's own tools only)."""
        return self._conn

    async def _run(self, sql: str, params: Params) -> CursorResult[Any]:
        try:
            return await self._conn.execute(_statement(sql, params), _values(params))
        except Exception as error:
            self._driver.reraise(error)

    async def execute(self, sql: str, params: Params = None) -> int:
        """Run one statement; return the number of rows it changed."""
        result = await self._run(sql, params)
        return int(result.rowcount)

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run one statement once per parameter set (a batch insert, say)."""
        if not rows:
            return
        try:
            batch = [_values(row) for row in rows]
            await self._conn.execute(_statement(sql, rows[0]), batch)
        except Exception as error:
            self._driver.reraise(error)

    async def insert(self, sql: str, params: Params = None) -> int:
        """Run an `INSERT ... RETURNING <id>` and return that id."""
        if "RETURNING" not in sql.upper():
            raise StorageError("insert() needs an INSERT ... RETURNING <id> statement")
        value = await self.fetch_value(sql, params)
        if value is None:
            raise StorageError("INSERT ... RETURNING produced no row id")
        return int(value)

    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        """Every row of a query."""
        return _rows(await self._run(sql, params))

    async def fetch_one(self, sql: str, params: Params = None) -> Row | None:
        """The first row of a query, or None."""
        result = await self._run(sql, params)
        row = result.fetchone()
        result.close()
        return None if row is None else _row_type(tuple(result.keys()))(row)

    async def fetch_value(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        result = await self._run(sql, params)
        row = result.fetchone()
        result.close()
        return None if row is None else row[0]


class Database:
    """The bot's database, SQLite or PostgreSQL by its URL.

    `Database("data/bot.sqlite3")` and `Database("sqlite:///data/bot.sqlite3")` are SQLite;
    `Database("postgresql://user@host/db")` is PostgreSQL through asyncpg.
    """

    def __init__(self, target: str | Path) -> None:
        """Remember where the database lives; `connect()` opens it."""
        self._driver = make_driver(target)

    @property
    def dialect(self) -> Dialect:
        """`sqlite` or `postgresql`."""
        return self._driver.dialect

    @property
    def path(self) -> Path | None:
        """The SQLite file (None for PostgreSQL)."""
        return self._driver.path

    @property
    def label(self) -> str:
        """Where the database is, for logs and messages (never a password)."""
        return self._driver.label

    @property
    def is_connected(self) -> bool:
        """Whether `connect()` succeeded and `close()` has not run."""
        return self._driver.is_connected

    async def connect(self, *, create: bool = True) -> None:
        """Open the database; `create=False` refuses to create a missing SQLite file.

        Raises:
            StorageUnavailable: it cannot be opened (everything half-opened is closed again).
        """
        await self._driver.connect(create=create)
        log.info("database opened", extra={"database": self.label})

    async def close(self) -> None:
        """Close every connection; safe to call twice."""
        if self._driver.is_connected:
            await self._driver.close()
            log.info("database closed")

    def trace(self, callback: Callable[[str], None] | None) -> None:
        """Call `callback(sql)` for every statement sent; None stops (diagnostics, tests)."""
        self._driver.trace(callback)

    async def verify(self) -> None:
        """Raise `StorageGone` if the file in use is no longer the one at its path."""
        await self._driver.verify()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run a block in one write transaction: committed on success, rolled back on error."""
        async with self._driver.write() as conn:
            yield Transaction(conn, self._driver)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        """Several reads on one connection (for a consistent multi-query read)."""
        async with self._driver.read() as conn:
            yield Transaction(conn, self._driver)

    async def execute(self, sql: str, params: Params = None) -> int:
        """Run one write statement in its own transaction; return the affected row count."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run one write statement per parameter set, all in one transaction."""
        async with self.transaction() as tx:
            await tx.execute_many(sql, rows)

    async def execute_returning(self, sql: str, params: Params = None) -> Row | None:
        """Run one write statement with a RETURNING clause in its own transaction.

        Returns the first row it returned, or None (e.g. `ON CONFLICT DO NOTHING` did nothing).
        """
        async with self.transaction() as tx:
            return await tx.fetch_one(sql, params)

    async def insert(self, sql: str, params: Params = None) -> int:
        """Run one `INSERT ... RETURNING <id>` in its own transaction; return the id."""
        async with self.transaction() as tx:
            return await tx.insert(sql, params)

    async def fetch_one(self, sql: str, params: Params = None) -> Row | None:
        """The first row of a query, or None."""
        async with self.reading() as tx:
            return await tx.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        """Every row of a query."""
        async with self.reading() as tx:
            return await tx.fetch_all(sql, params)

    async def fetch_value(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        async with self.reading() as tx:
            return await tx.fetch_value(sql, params)

    # -- for the migration runner and the backup/copy tools only -------------------------
    async def schema_version(self) -> int:
        """The schema version recorded in the database (0 for an empty one)."""
        return await self._driver.schema_version()

    async def apply_script(self, script: str, version: int) -> bool:
        """Run a migration script and record `version` atomically; False if already there."""
        return await self._driver.apply_script(script, version)

    async def after_bulk_copy(self, tx: Transaction, tables: Sequence[str]) -> None:
        """Bring id generators past the ids a bulk copy wrote explicitly (PostgreSQL)."""
        await self._driver.after_bulk_copy(tx.connection, tables)

    async def table_names(self) -> list[str]:
        """The tables of the schema (for tools that copy or check a whole database)."""
        return await self._driver.table_names()
