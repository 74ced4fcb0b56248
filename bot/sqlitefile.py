"""Operator tools that work on the SQLite file itself, beside the bot's own connection.

SQLite-only by nature (another backend brings its own tools): `peek_version` reads the
schema version without changing anything on disk, for `dramabot check`.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


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
