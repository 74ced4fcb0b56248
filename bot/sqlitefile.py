"""Operator tools that work on the SQLite file itself, beside the bot's own connection.

SQLite-only by nature (another backend brings its own tools): `peek_version` reads the
schema version without changing anything on disk, for `dramabot check`; `backup` makes a
consistent copy of the live database, for `dramabot backup`.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

BUSY_TIMEOUT_MS = 5000


def wal_path(path: Path) -> Path:
    """The write-ahead log beside a database file."""
    return path.with_name(path.name + "-wal")


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open `path` without creating or changing any file.

    With a write-ahead log present (the bot is running, or stopped uncleanly) the log must
    be read too, so the connection is read-only; without one the file is all there is and
    `immutable` keeps SQLite from creating its -wal/-shm companions.
    """
    mode = "mode=ro" if wal_path(path).exists() else "immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)


def peek_version(path: Path) -> int:
    """The database's schema version (`PRAGMA user_version`), read without writing."""
    with closing(open_read_only(path)) as conn:
        row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


class BackupError(Exception):
    """The backup could not be made; the message says why in the operator's terms."""


@dataclass(frozen=True)
class BackupResult:
    """What `backup` copied."""

    target: Path
    version: int
    size: int


def backup(source: Path, target: Path) -> BackupResult:
    """Copy the database at `source` into a new file `target`, safely while the bot runs.

    SQLite's online backup API copies every page in one step inside one read transaction,
    so the copy is the database as of one instant (WAL mode lets the bot keep writing
    meanwhile). The copy is switched to a single self-contained file (no -wal beside it),
    checked with `PRAGMA integrity_check`, and only then moved to `target`.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (DATABASE_PATH) to back up")
    if target.exists():
        raise BackupError(f"{target} already exists; a backup never overwrites, pick a new name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist; create it first")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)) as src,
            closing(sqlite3.connect(partial)) as copy,
        ):
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            src.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            version = int(copy.execute("PRAGMA user_version").fetchone()[0])
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check ({verdict}); nothing saved")
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupError(f"cannot back up {source}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, version, target.stat().st_size)
