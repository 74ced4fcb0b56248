"""Forward-only schema migrations, one numbered history for both backends.

SQLite runs `NNNN_name.sql` above `PRAGMA user_version`; PostgreSQL runs
`postgresql/NNNN_name.sql` (the same numbers and names, in its own dialect) above its
`schema_version` row. Each migration is applied atomically with its version bump.

The source tree keeps them in the top-level `migrations/` folder; an installed bot has them
as the package data `bot.migrations` (see setup.py), read through `importlib.resources` so
a wheel, an editable install and a checkout all find the same files.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from bot.db import Database

log = logging.getLogger(__name__)

MIGRATIONS_PACKAGE = "bot.migrations"
POSTGRES_SUBDIR = "postgresql"
_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class MigrationError(Exception):
    """The migrations folder is inconsistent, or a migration failed (and was rolled back)."""


class MigrationsMissing(MigrationError):
    """No migrations were found at all: the installation is incomplete."""


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


def folder_for(dialect: str, directory: Traversable | None = None) -> Traversable:
    """Where a backend's scripts live: the folder itself (SQLite) or its `postgresql/`."""
    folder = shipped() if directory is None else directory
    return folder / POSTGRES_SUBDIR if dialect == "postgresql" else folder


def discover(directory: Traversable | None = None) -> list[Migration]:
    """List one folder's migrations in order, refusing none at all, gaps and stray names."""
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
    return await db.schema_version()


async def migrate(db: Database, directory: Traversable | None = None) -> list[int]:
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
