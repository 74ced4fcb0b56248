"""Storage faults: a database that cannot be opened, a file deleted or replaced under the
bot, a full disk. Each ends in a clear sentence, never a hang or silent loss."""

from __future__ import annotations

import asyncio
import errno
import logging
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.db import Database, StorageFull, StorageGone, StorageUnavailable
from bot.dbdrivers import SqliteDriver
from bot.tree import DISK_FULL, describe_error
from tests.botprocess import BotProcess
from tests.fakediscord import FakeDiscord
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


def test_a_full_disk_is_explained_to_the_user_and_logged_for_the_owner_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    driver = SqliteDriver(Path("data/bot.sqlite3"))
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    first = driver.translate(full)
    assert isinstance(first, StorageFull)
    assert describe_error(first) == DISK_FULL
    assert "tell the bot's owner" in DISK_FULL
    owner = [r.getMessage() for r in caplog.records if "disk is full" in r.getMessage()]
    assert owner == [
        "the database's disk is full: nothing new is saved (writes are retried) until space "
        "is freed on the disk holding data/bot.sqlite3"
    ]
    driver.translate(full)  # the next failing write, a moment later: not logged again
    assert len([r for r in caplog.records if "disk is full" in r.getMessage()]) == 1


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


# --- a real full disk: the bot runs on a tiny tmpfs of its own ------------------------------
DISK_SIZE = "8m"
ROOT = Path(__file__).resolve().parents[2]


def _can_mount_private_tmpfs() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run(  # noqa: S603 - fixed command
        [unshare, "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _empty(folder: Path) -> None:
    (folder / "filler").unlink()


def _fill(folder: Path) -> int:
    """Write a filler file until the disk says no more; return the bytes written."""
    written = 0
    chunk = b"\0" * 65536
    with (folder / "filler").open("wb") as filler:
        while True:
            try:
                filler.write(chunk)
                filler.flush()
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                return written
            written += len(chunk)


@pytest.mark.skipif(
    not _can_mount_private_tmpfs(), reason="needs unshare and a private tmpfs mount"
)
async def test_a_full_disk_tells_the_user_and_the_owner_and_the_vote_is_saved_later(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    guild = fake.add_guild(name="Full Disk Club")
    fan = fake.add_member(guild.id, name="fan")
    mount_then_run = (
        f"mount -t tmpfs -o size={DISK_SIZE} tmpfs {disk} && exec {sys.executable} -m bot run"
    )
    bot = BotProcess(
        fake,
        disk / "bot.sqlite3",
        tmp_path,
        command=["unshare", "-m", "sh", "-c", mount_then_run],
        env={"PYTHONPATH": str(ROOT)},
    )
    async with bot:
        await bot.start()
        seen_by_bot = Path(f"/proc/{bot.pid}/root{disk}")  # the bot's private mount
        before = len(fake.requests)
        kiss = {"question": "Kiss?", "options": "🔥 yes | 💋 no"}
        itx = await fake.slash(guild.id, guild.default_channel_id, fan, "poll", "create",
                               options=kiss)  # fmt: skip
        assert "is up" in await itx.reply_text(timeout=15)
        post = await fake.wait_for_request(
            "POST", rf"/channels/{guild.default_channel_id}/messages$", after=before
        )
        poll_message = int(post.response["id"])
        assert await asyncio.to_thread(_fill, seen_by_bot) > 0
        itx = await fake.slash(guild.id, guild.default_channel_id, fan, "poll", "create",
                               options={"question": "Full?", "options": "a | b"})  # fmt: skip
        assert await itx.reply_text(timeout=15) == DISK_FULL
        assert itx.is_ephemeral
        await fake.add_reaction(guild.id, guild.default_channel_id, poll_message, fan, "🔥")
        await bot.wait_for_line(r"the database's disk is full: nothing new is saved")
        await asyncio.to_thread(_empty, seen_by_bot)

        async def vote_saved() -> bool:
            await asyncio.sleep(0.5)  # no hurry: each barrier counts against a rate limit
            itx = await fake.slash(guild.id, guild.default_channel_id, fan, "poll", "results",
                                   options={"poll": 1}, sync=False)  # fmt: skip
            return "1 voter" in await itx.reply_text(timeout=15)

        await until(vote_saved, "the vote to be saved once the disk had room", timeout=60)
        assert await bot.terminate() == 0
