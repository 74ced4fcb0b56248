"""Forward-only schema migrations: `migrations/NNNN_name.sql` above `PRAGMA user_version`.

The source tree keeps them in the top-level `migrations/` folder; an installed bot has them
as the package data `bot.migrations` (see setup.py), read through `importlib.resources` so
a wheel, an editable install and a checkout all find the same files.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from bot.db import Database

log = logging.getLogger(__name__)

MIGRATIONS_PACKAGE = "bot.migrations"
_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class MigrationError(Exception):
    """The migrations folder is inconsistent, or a migration failed (and was rolled back)."""


class MigrationsMissing(MigrationError):
    """No migration files at all: the installation is incomplete."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL script."""

    version: int
    path: Traversable

    @property
    def name(self) -> str:
        """The file name, for logs."""
        return self.path.name


def shipped() -> Traversable:
    """The folder of migrations installed with the code."""
    try:
        return resources.files(MIGRATIONS_PACKAGE)
    except ModuleNotFoundError:
        raise MigrationsMissing(_missing(MIGRATIONS_PACKAGE)) from None


def _missing(where: object) -> str:
    return (
        f"no database migrations found in {where}: this installation of dramabot is "
        "incomplete; reinstall it (`pip install .` in a checkout, or the wheel)"
    )


def discover(directory: Traversable | None = None) -> list[Migration]:
    """List the migrations in order, refusing none at all, gaps, duplicates and stray names."""
    folder = shipped() if directory is None else directory
    files = []
    if folder.is_dir():
        files = [item for item in folder.iterdir() if item.name.endswith(".sql") and item.is_file()]
    if not files:
        raise MigrationsMissing(_missing(folder))
    found: list[Migration] = []
    for path in sorted(files, key=lambda item: item.name):
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


async def migrate(db: Database, directory: Traversable | None = None) -> list[int]:
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
