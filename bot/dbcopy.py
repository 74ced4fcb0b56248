"""Copy an existing SQLite database into an empty PostgreSQL one (`migrate --from-sqlite`).

Everything is copied in one PostgreSQL transaction, parents before children, and every
table's row count is checked before it commits: the copy is whole or it is not there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.db import Database, Transaction
from bot.migrate import current_version, migrate

log = logging.getLogger(__name__)

BATCH = 5000


class CopyError(Exception):
    """The copy cannot be made (its message says why and what to do)."""


@dataclass(frozen=True)
class TableCopy:
    """One table's outcome."""

    table: str
    rows: int


async def copy_sqlite(source_path: Path, target: Database) -> list[TableCopy]:
    """Copy every row of the SQLite file into `target` (PostgreSQL, migrated here if needed).

    Raises:
        CopyError: the source is missing or at another schema version, the target is not
            PostgreSQL or not empty, or the counts disagree (then nothing was written).
    """
    if target.dialect != "postgresql":
        raise CopyError("--from-sqlite copies into PostgreSQL: set DATABASE_URL=postgresql://…")
    source = Database(source_path)
    try:
        await source.connect(create=False)
    except Exception as error:
        raise CopyError(f"cannot open {source_path}: {error}") from None
    try:
        await migrate(target)
        await _check_versions(source, target, source_path)
        tables = await _tables_in_order(source)
        await _check_empty(target, tables)
        async with target.transaction() as tx:
            copied = [await _copy_table(source, tx, table) for table in tables]
            await target.after_bulk_copy(tx, tables)
    finally:
        await source.close()
    return copied


async def _check_versions(source: Database, target: Database, source_path: Path) -> None:
    source_version = await current_version(source)
    target_version = await current_version(target)
    if source_version != target_version:
        raise CopyError(
            f"{source_path} is at schema version {source_version}, this code at "
            f"{target_version}: run `dramabot migrate` with DATABASE_PATH={source_path} "
            "(and no DATABASE_URL) first"
        )


async def _tables_in_order(source: Database) -> list[str]:
    """Tables with every table after those its foreign keys point to."""
    tables = await source.table_names()
    parents: dict[str, set[str]] = {}
    for table in tables:
        rows = await source.fetch_all(f"PRAGMA foreign_key_list({_quoted(table)})")
        parents[table] = {str(row["table"]) for row in rows} - {table}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:
            raise CopyError("the source's foreign keys form a cycle")
        ordered += sorted(ready)
    return ordered


async def _check_empty(target: Database, tables: list[str]) -> None:
    for table in tables:
        if await target.fetch_value(f"SELECT 1 FROM {_quoted(table)} LIMIT 1") is not None:  # noqa: S608 - our own table names
            raise CopyError(
                f"the PostgreSQL database already has data (table {table}): "
                "copy only into an empty database"
            )


async def _copy_table(source: Database, tx: Transaction, table: str) -> TableCopy:
    columns = [str(row["name"]) for row in await source.fetch_all(_table_info(table))]
    keys = [
        str(row["name"])
        for row in sorted(await source.fetch_all(_table_info(table)), key=lambda r: r["pk"])
        if row["pk"]
    ] or columns
    select = (
        f"SELECT {', '.join(map(_quoted, columns))} FROM {_quoted(table)} "  # noqa: S608 - our own names
        f"ORDER BY {', '.join(map(_quoted, keys))} LIMIT :limit OFFSET :offset"
    )
    insert = (
        f"INSERT INTO {_quoted(table)} ({', '.join(map(_quoted, columns))}) "  # noqa: S608 - our own names
        f"VALUES ({', '.join(f':c{i}' for i in range(len(columns)))})"
    )
    copied = 0
    while True:
        rows = await source.fetch_all(select, {"limit": BATCH, "offset": copied})
        if not rows:
            break
        await tx.execute_many(
            insert, [{f"c{i}": value for i, value in enumerate(row)} for row in rows]
        )
        copied += len(rows)
    landed = await tx.fetch_value(f"SELECT COUNT(*) FROM {_quoted(table)}")  # noqa: S608 - our own names
    expected = await source.fetch_value(f"SELECT COUNT(*) FROM {_quoted(table)}")  # noqa: S608 - our own names
    if int(landed) != int(expected) or copied != int(expected):
        raise CopyError(f"{table}: {expected} row(s) in SQLite but {landed} copied; nothing kept")
    log.info("table copied", extra={"table": table, "rows": copied})
    return TableCopy(table, copied)


def _table_info(table: str) -> str:
    return f"PRAGMA table_info({_quoted(table)})"


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise CopyError(f"unexpected table or column name {name!r}")
    return f'"{name}"'
