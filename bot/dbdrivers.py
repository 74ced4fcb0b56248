"""What differs between SQLite and PostgreSQL: connections, pragmas, errors, schema version.

Only this module imports a driver. `bot.db.Database` is the front door everything else uses.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy import bindparam, event, exc, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from bot.db import Dialect

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CLOSE_WAIT_SECONDS = 5.0
FULL_REPORT_SECONDS = 60.0
FULL_REPORT_SECONDS_INIT = 1e9  # so the first full disk is reported at once
SQLITE_READERS = 2
SQLITE_FULL = 13  # "database or disk is full"
PG_DISK_FULL = "53100"
PG_CONNECT_TIMEOUT_S = 10
PG_POOL_SIZE = 5
# Two shard processes may migrate at once; this key serialises them (any constant works).
PG_MIGRATION_LOCK = 7_345_019_210


_SQLITE_CONSTRAINTS = (
    ("UNIQUE constraint failed", "unique"),
    ("FOREIGN KEY constraint failed", "foreign_key"),
    ("CHECK constraint failed", "check"),
    ("NOT NULL constraint failed", "not_null"),
)
_PG_CONSTRAINTS = {"23505": "unique", "23503": "foreign_key", "23514": "check", "23502": "not_null"}


def make_driver(target: str | Path) -> Driver:
    """The driver for a path or URL: `postgresql://…` is PostgreSQL, anything else SQLite."""
    value = str(target)
    if value.startswith(("postgresql://", "postgres://", "postgresql+asyncpg://")):
        return PostgresDriver(value)
    if value.startswith("sqlite://"):
        value = value.removeprefix("sqlite://").removeprefix("/") or ":memory:"
    return SqliteDriver(Path(value))


class StorageError(Exception):
    """The database refused or failed an operation."""


class IntegrityError(StorageError):
    """A constraint refused the write; `kind` says which: unique, foreign_key, check, not_null."""

    def __init__(self, message: str, kind: str = "other") -> None:
        """Keep the driver's message and the backend-neutral kind."""
        super().__init__(message)
        self.kind = kind

    @property
    def is_duplicate(self) -> bool:
        """Whether a UNIQUE or PRIMARY KEY constraint refused the row."""
        return self.kind == "unique"


class StorageFull(StorageError):
    """The disk (or the database's quota) is full: nothing more can be saved until it is freed."""


class StorageUnavailable(StorageError):
    """The database cannot be opened or reached."""


class StorageGone(StorageError):
    """The database file was deleted or replaced while the bot was using it."""


def _unavailable(message: str) -> Exception:
    return StorageUnavailable(message)


class Driver:
    """The interface both backends serve."""

    dialect: Dialect
    path: Path | None = None
    label: str = ""
    _tracer: Callable[..., None] | None = None
    _full_reported: float = -FULL_REPORT_SECONDS_INIT

    @property
    def is_connected(self) -> bool:
        """Whether the connections are open."""
        raise NotImplementedError

    async def connect(self, *, create: bool) -> None:
        """Open; raise StorageUnavailable (leaving nothing open) when that fails."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close everything."""
        raise NotImplementedError

    async def verify(self) -> None:
        """Raise StorageGone when the storage in use is not the configured one any more."""

    def engine(self) -> AsyncEngine | None:
        """The SQLAlchemy engine, while connected."""
        raise NotImplementedError

    def trace(self, callback: Callable[[str], None] | None) -> None:
        """Call `callback(sql)` for every statement sent (None stops tracing)."""
        engine = self.engine()
        if engine is None:
            raise RuntimeError("database is not connected")
        sync = engine.sync_engine
        if self._tracer is not None and event.contains(sync, "before_cursor_execute", self._tracer):
            event.remove(sync, "before_cursor_execute", self._tracer)
        self._tracer = None
        if callback is not None:

            def tracer(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                callback(statement)

            self._tracer = tracer
            event.listen(sync, "before_cursor_execute", tracer)

    def write(self) -> Any:
        """Async context manager: a connection inside one committed-or-rolled-back transaction."""
        raise NotImplementedError

    def read(self) -> Any:
        """Async context manager: a connection for reads of committed data."""
        raise NotImplementedError

    def translate(self, error: BaseException) -> StorageError | None:
        """The backend-neutral error for a driver error, or None to let it through as it is."""
        if isinstance(error, exc.IntegrityError):
            return IntegrityError(_reason(error), self._constraint_kind(error))
        if self._is_full(error):
            self._report_full()
            return StorageFull(f"{self.label}: the disk is full")
        return None

    def _report_full(self) -> None:
        # Every write fails while the disk is full: tell the owner once a minute, not per write.
        now = time.monotonic()
        if now - self._full_reported >= FULL_REPORT_SECONDS:
            self._full_reported = now
            log.error(
                "the database's disk is full: nothing new is saved (writes are retried) "
                "until space is freed on the disk holding %s",
                self.label,
            )

    def reraise(self, error: BaseException) -> NoReturn:
        """Raise the backend-neutral form of `error` (call inside an `except`)."""
        mapped = self.translate(error)
        if mapped is None:
            raise error
        raise mapped from error

    def _is_full(self, error: BaseException) -> bool:
        return False

    def _constraint_kind(self, error: BaseException) -> str:
        return "other"

    async def schema_version(self) -> int:
        """The recorded schema version."""
        raise NotImplementedError

    async def apply_script(self, script: str, version: int) -> bool:
        """Run a migration and record its version atomically; False if already applied."""
        raise NotImplementedError

    async def table_names(self) -> list[str]:
        """The schema's tables."""
        raise NotImplementedError

    async def after_bulk_copy(self, conn: AsyncConnection, tables: Sequence[str]) -> None:
        """Make generated ids continue after explicitly copied ones (nothing to do on SQLite)."""


class SqliteDriver(Driver):
    """One writer connection (writes are serialised here) and a few readers, in WAL mode."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        """Remember the file."""
        self.path = path
        self.label = str(path)
        self._memory = str(path) == ":memory:"
        self._engine: AsyncEngine | None = None
        self._writer: AsyncConnection | None = None
        self._readers: asyncio.Queue[AsyncConnection] = asyncio.Queue()
        self._all: list[AsyncConnection] = []
        self._lock = asyncio.Lock()
        self._identity: tuple[int, int] | None = None
        self._writes_issued = 0
        self._writes_done = 0
        # Reads waiting for earlier writes: (writes they wait for, arrival, their future).
        self._readers_waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._read_number = 0

    @property
    def is_connected(self) -> bool:
        """Whether the connections are open."""
        return self._writer is not None

    async def connect(self, *, create: bool) -> None:
        """Open the file (creating its folder when `create`), WAL, foreign keys, busy timeout."""
        path = self.path or Path(":memory:")
        if not self._memory:
            if not create and not path.exists():
                raise _unavailable(f"{path} does not exist")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise _unavailable(f"cannot create the folder {path.parent}: {error}") from None
        url = "sqlite+aiosqlite://" if self._memory else f"sqlite+aiosqlite:///{path}"
        engine = create_async_engine(url, poolclass=NullPool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        self._engine = engine
        try:
            self._writer = await engine.connect()
            self._all.append(self._writer)
            if not self._memory:
                for _ in range(SQLITE_READERS):
                    reader = await engine.connect()
                    reader = await reader.execution_options(isolation_level="AUTOCOMMIT")
                    self._all.append(reader)
                    self._readers.put_nowait(reader)
                stat = os.stat(path)
                self._identity = (stat.st_dev, stat.st_ino)
        except Exception as error:
            await self.close()
            raise _unavailable(f"cannot open {path}: {_reason(error)}") from None

    async def close(self) -> None:
        """Close every connection and the engine (no thread is left behind).

        A write in flight is given a moment to commit first, so closing never cuts a
        transaction in half.
        """
        try:
            await asyncio.wait_for(self._lock.acquire(), CLOSE_WAIT_SECONDS)
        except TimeoutError:
            log.warning("closing the database while a write is still running")
        else:
            self._lock.release()
        conns, self._all = self._all, []
        self._writer = None
        self._readers = asyncio.Queue()
        for conn in conns:
            with suppress(Exception):
                await conn.close()
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()

    async def verify(self) -> None:
        """Raise StorageGone if the file was deleted or replaced under us."""
        if self._identity is None or self.path is None:
            return
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise StorageGone(f"{self.path} was deleted while in use") from None
        if (stat.st_dev, stat.st_ino) != self._identity:
            raise StorageGone(f"{self.path} was replaced by another file while in use")

    def engine(self) -> AsyncEngine | None:
        """The engine behind every connection."""
        return self._engine

    def _connection(self) -> AsyncConnection:
        if self._writer is None:
            raise RuntimeError("database is not connected")
        return self._writer

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """BEGIN IMMEDIATE on the writer: one writer at a time, never a busy upgrade."""
        self._writes_issued += 1
        try:
            async with self._lock, self._transaction() as conn:
                yield conn
        finally:
            self._writes_done += 1
            while self._readers_waiting and self._readers_waiting[0][0] <= self._writes_done:
                _, _, waiting = heapq.heappop(self._readers_waiting)
                if not waiting.done():
                    waiting.set_result(None)

    async def _after_earlier_writes(self) -> None:
        # A read sees every write issued before it (it may still be waiting for the lock):
        # a vote clicked before `/poll results` is in the results. Each read waits for its
        # own count of writes, woken once: a burst of reads behind a burst of writes costs
        # reads + writes wake-ups, not reads x writes.
        target = self._writes_issued
        if self._writes_done >= target:
            return
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._read_number += 1
        heapq.heappush(self._readers_waiting, (target, self._read_number, waiting))
        await waiting

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        conn = self._connection()
        try:
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception as error:
            self.reraise(error)
        try:
            yield conn
        except BaseException:
            await asyncio.shield(_rollback(conn))
            raise
        try:
            await conn.commit()
        except Exception as error:
            await asyncio.shield(_rollback(conn))
            self.reraise(error)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A reader connection (the writer itself for an in-memory database)."""
        if self._memory:
            async with self._lock:
                yield self._connection()
            return
        self._connection()
        await self._after_earlier_writes()
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    async def writer_trace(self, callback: Callable[[str], object] | None) -> None:
        """Have `callback(sql)` run on the writer's own thread for each statement it runs.

        The callback runs where SQLite does, so sleeping in it behaves like a slow disk
        (tests use it to slow COMMITs down); None removes it.
        """
        conn = await self._driver_connection()
        await conn.set_trace_callback(callback)

    def _is_full(self, error: BaseException) -> bool:
        orig = getattr(error, "orig", error)
        return getattr(orig, "sqlite_errorcode", None) == SQLITE_FULL

    def _constraint_kind(self, error: BaseException) -> str:
        message = _reason(error)
        for prefix, kind in _SQLITE_CONSTRAINTS:
            if message.startswith(prefix):
                return kind
        return "other"

    async def _driver_connection(self) -> Any:
        raw = await self._connection().get_raw_connection()
        return raw.driver_connection

    async def schema_version(self) -> int:
        """`PRAGMA user_version`."""
        async with self._lock:
            result = await self._connection().exec_driver_sql("PRAGMA user_version")
            value = result.scalar()
            await self._connection().commit()
        return int(value or 0)

    async def apply_script(self, script: str, version: int) -> bool:
        """Run the script and the user_version bump inside one BEGIN/COMMIT.

        `executescript` commits any open transaction first, so the BEGIN lives inside it.
        """
        async with self._lock:
            conn = await self._driver_connection()
            wrapped = f"BEGIN IMMEDIATE;\n{script}\n;PRAGMA user_version = {int(version)};\nCOMMIT;"
            try:
                await conn.executescript(wrapped)
            except sqlite3.Error as error:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                self.reraise(error)
        return True

    async def table_names(self) -> list[str]:
        """Tables, without SQLite's own."""
        async with self.read() as conn:
            result = await conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
            return [str(row[0]) for row in result.fetchall()]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver: transactions are begun explicitly (BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # NORMAL is durable across application crashes in WAL mode; only a power cut can
    # lose the last commits, which is the usual trade for a chat bot.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def _rollback(conn: AsyncConnection) -> None:
    try:
        await conn.rollback()
    except Exception:
        log.exception("rollback failed")


def _reason(error: BaseException) -> str:
    orig = getattr(error, "orig", None)
    return str(orig if orig is not None else error).splitlines()[0]


class PostgresDriver(Driver):
    """asyncpg through a small SQLAlchemy pool; PostgreSQL itself serialises conflicting writes."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str) -> None:
        """Parse the URL (the password is never logged)."""
        parsed: URL = make_url(url.replace("postgres://", "postgresql://", 1))
        self._url = parsed.set(drivername="postgresql+asyncpg")
        self.label = self._url.render_as_string(hide_password=True)
        self._engine: AsyncEngine | None = None
        self._reader: AsyncEngine | None = None

    @property
    def is_connected(self) -> bool:
        """Whether the pool is open."""
        return self._engine is not None

    async def connect(self, *, create: bool) -> None:
        """Open the pool and check the server answers."""
        engine = create_async_engine(
            self._url,
            pool_size=PG_POOL_SIZE,
            max_overflow=PG_POOL_SIZE,
            pool_pre_ping=True,
            connect_args={"timeout": PG_CONNECT_TIMEOUT_S},
        )
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:
            await engine.dispose()
            raise _unavailable(f"cannot connect to {self.label}: {_reason(error)}") from None
        self._engine = engine
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def close(self) -> None:
        """Close the pool."""
        engine, self._engine, self._reader = self._engine, None, None
        if engine is not None:
            await engine.dispose()

    def engine(self) -> AsyncEngine | None:
        """The pool."""
        return self._engine

    def _pool(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("database is not connected")
        return self._engine

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection inside BEGIN … COMMIT."""
        try:
            conn_cm = self._pool().begin()
            conn = await conn_cm.__aenter__()
        except Exception as error:
            self.reraise(error)
        try:
            yield conn
        except BaseException as error:
            await asyncio.shield(conn_cm.__aexit__(type(error), error, error.__traceback__))
            raise
        try:
            await conn_cm.__aexit__(None, None, None)
        except Exception as error:
            self.reraise(error)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection in autocommit (no BEGIN/ROLLBACK round trips for reads)."""
        if self._reader is None:
            raise RuntimeError("database is not connected")
        async with self._reader.connect() as conn:
            yield conn

    def _is_full(self, error: BaseException) -> bool:
        return _sqlstate(error) == PG_DISK_FULL

    def _constraint_kind(self, error: BaseException) -> str:
        return _PG_CONSTRAINTS.get(_sqlstate(error) or "", "other")

    async def _raw(self, conn: AsyncConnection) -> Any:
        raw = await conn.get_raw_connection()
        return raw.driver_connection

    async def schema_version(self) -> int:
        """The single row of `schema_version` (0 when the table does not exist yet)."""
        async with self.read() as conn:
            exists = (
                await conn.execute(text("SELECT to_regclass('schema_version') IS NOT NULL"))
            ).scalar()
            if not exists:
                return 0
            value = (await conn.execute(text("SELECT max(version) FROM schema_version"))).scalar()
        return int(value or 0)

    async def apply_script(self, script: str, version: int) -> bool:
        """Under an advisory lock (another process may be migrating), in one transaction."""
        async with self._pool().connect() as conn:
            apg = await self._raw(conn)
            async with apg.transaction():
                await apg.execute(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
                await apg.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
                )
                current = await apg.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
                if current >= version:
                    return False
                await apg.execute(script)
                await apg.execute("DELETE FROM schema_version")
                await apg.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
        return True

    async def after_bulk_copy(self, conn: AsyncConnection, tables: Sequence[str]) -> None:
        """Move each identity column's sequence past the largest copied id."""
        result = await conn.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND is_identity = 'YES' "
                "AND table_name IN :tables"
            ).bindparams(bindparam("tables", expanding=True)),
            {"tables": list(tables)},
        )
        for table, column in result.fetchall():
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608 - names from the catalog
                    f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table}"'
                ),
                {"table": table, "column": column},
            )

    async def table_names(self) -> list[str]:
        """Tables of the current schema."""
        async with self.read() as conn:
            result = await conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                    "ORDER BY table_name"
                )
            )
            return [str(row[0]) for row in result.fetchall()]


def _sqlstate(error: BaseException) -> str | None:
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None:
            return None
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str):
            return state
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None
