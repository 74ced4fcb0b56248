"""Forward-only schema migrations: `migrations/NNNN_name.sql` above `PRAGMA user_version`."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.db import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class MigrationError(Exception):
    """The migrations folder is inconsistent, or a migration failed (and was rolled back)."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL script."""

    version: int
    path: Path

    @property
    def name(self) -> str:
        """The file name, for logs."""
        return self.path.name


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """List the migrations in order, refusing gaps, duplicates and stray names."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.fullmatch(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_lower_name.sql")
        found.append(Migration(int(match.group(1)), path))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"{migration.name}: expected migration number {expected:04d} (no gaps allowed)"
            )
    return found


async def current_version(db: Database) -> int:
    """Return the schema version recorded in the database."""
    value = await db.fetch_value("PRAGMA user_version")
    return int(value or 0)


async def migrate(db: Database, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every migration above the database's version; return the versions applied.

    Each script runs inside its own BEGIN/COMMIT together with the user_version bump, so
    a failing migration leaves the database exactly as it was. (`executescript` would
    commit any open transaction first, which is why the BEGIN lives inside the script.)
    """
    migrations = discover(directory)
    version = await current_version(db)
    if version > len(migrations):
        raise MigrationError(
            f"database is at version {version}, newer than this code knows ({len(migrations)})"
        )
    applied: list[int] = []
    for migration in migrations[version:]:
        await _apply(db, migration)
        applied.append(migration.version)
        log.info("migration applied", extra={"migration": migration.name})
    return applied


async def _apply(db: Database, migration: Migration) -> None:
    sql = migration.path.read_text(encoding="utf-8")
    script = f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
    conn = db.conn
    try:
        await conn.executescript(script)
    except sqlite3.Error as error:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise MigrationError(f"{migration.name} failed and was rolled back: {error}") from error
