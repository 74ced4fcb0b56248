"""Forward-only schema migrations, one numbered history for both backends.

SQLite runs `migrations/NNNN_name.sql` above `PRAGMA user_version`; PostgreSQL runs
`migrations/postgresql/NNNN_name.sql` (the same numbers and names, in its own dialect) above
its `schema_version` row. Each migration is applied atomically with its version bump.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bot.db import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
POSTGRES_SUBDIR = "postgresql"
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


def folder_for(dialect: str, directory: Path = MIGRATIONS_DIR) -> Path:
    """Where a backend's scripts live under the migrations folder."""
    return directory / POSTGRES_SUBDIR if dialect == "postgresql" else directory


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """List the migrations in one folder in order, refusing gaps, duplicates and stray names."""
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
    return await db.schema_version()


async def migrate(db: Database, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every migration above the database's version; return the versions applied.

    Each script runs in one transaction together with its version bump, so a failing
    migration leaves the database exactly as it was. On PostgreSQL a second process
    migrating at the same moment waits, then finds the work done.
    """
    migrations = discover(folder_for(db.dialect, directory))
    version = await current_version(db)
    if version > len(migrations):
        raise MigrationError(
            f"database is at version {version}, newer than this code knows ({len(migrations)})"
        )
    applied: list[int] = []
    for migration in migrations[version:]:
        sql = migration.path.read_text(encoding="utf-8")
        try:
            done = await db.apply_script(sql, migration.version)
        except Exception as error:
            raise MigrationError(
                f"{migration.name} failed and was rolled back: {_first_line(error)}"
            ) from error
        if done:
            applied.append(migration.version)
            log.info("migration applied", extra={"migration": migration.name})
    return applied


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
