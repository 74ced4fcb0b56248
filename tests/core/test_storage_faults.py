"""Storage faults: a database that cannot be opened, a file deleted or replaced under the
bot, a full disk. Each ends in a clear sentence, never a hang or silent loss."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.db import Database, StorageFull, StorageGone, StorageUnavailable
from bot.dbdrivers import SqliteDriver
from bot.tree import DISK_FULL, describe_error
from tests.harness import BotEnv, until


@pytest.mark.parametrize(
    "make_target",
    [
        pytest.param(lambda tmp: Path("/dev/null/no/such/folder/bot.sqlite3"), id="folder"),
        pytest.param(lambda tmp: _garbage(tmp / "bot.sqlite3"), id="not-a-database"),
        pytest.param(lambda tmp: tmp, id="a-directory"),
    ],
)
async def test_a_database_that_cannot_be_opened_fails_fast_and_leaves_nothing_running(
    tmp_path: Path, make_target: object
) -> None:
    target = make_target(tmp_path)  # type: ignore[operator]
    threads_before = threading.active_count()
    db = Database(target)
    with pytest.raises(StorageUnavailable) as refused:
        await asyncio.wait_for(db.connect(), timeout=10)
    assert "\n" not in str(refused.value)
    assert not db.is_connected
    await db.close()  # safe after a failed connect
    # No connection thread is left to keep the process alive.
    await asyncio.sleep(0.1)
    assert threading.active_count() <= threads_before


def _delete_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _garbage(path: Path) -> Path:
    path.write_bytes(b"this is not a database file " * 200)
    return path


async def test_connect_without_create_refuses_a_missing_file(tmp_path: Path) -> None:
    db = Database(tmp_path / "missing.sqlite3")
    with pytest.raises(StorageUnavailable, match="does not exist"):
        await db.connect(create=False)
    assert not (tmp_path / "missing.sqlite3").exists()


async def test_verify_notices_a_deleted_or_replaced_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(path)
    await db.connect()
    try:
        await db.verify()
        path.rename(tmp_path / "moved.sqlite3")
        with pytest.raises(StorageGone, match="deleted"):
            await db.verify()
        sqlite3.connect(path).close()  # a new, different file at the same path
        with pytest.raises(StorageGone, match="replaced"):
            await db.verify()
    finally:
        await db.close()


def test_sqlite_full_becomes_storage_full() -> None:
    driver = SqliteDriver(Path("x.sqlite3"))
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = 13  # type: ignore[attr-defined]
    mapped = driver.translate(error)
    assert isinstance(mapped, StorageFull)
    other = sqlite3.OperationalError("database is locked")
    other.sqlite_errorcode = 5  # type: ignore[attr-defined]
    assert driver.translate(other) is None


def test_a_full_disk_is_explained_to_the_user_and_logged_for_the_owner(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    assert describe_error(StorageFull("data/bot.sqlite3: the disk is full")) == DISK_FULL
    assert "disk is full" in caplog.text
    assert "tell the bot's owner" in DISK_FULL


async def test_bot_stops_when_its_database_file_is_deleted(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("bot.app.STORAGE_CHECK_SECONDS", 0.05)
    caplog.set_level(logging.CRITICAL)
    await env.restart()
    bot = env.running
    _delete_database(env.db_path)

    async def stopped() -> bool:
        return bot.is_closed()

    await until(stopped, "the bot to stop")
    assert bot.storage_failure is not None
    assert "deleted" in bot.storage_failure
    assert any(
        r.levelno == logging.CRITICAL and "database lost" in r.getMessage() for r in caplog.records
    )
