"""`dramabot backup FILE` while the bot runs and fans vote; restoring it as the README says."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.migrate import discover
from tests.botprocess import BotProcess, run_cli
from tests.fakediscord import FakeDiscord

# discord.py sends at most 120 gateway frames a minute and the fake's per-event sync costs
# one: pace the fans so the bot never throttles itself, and stop well below the limit.
MAX_VOTES = 90
PACE = 0.1


def _copy_votes(path: Path, poll_id: int) -> tuple[str, set[tuple[int, int]]]:
    """The copy's integrity verdict and its votes, read without the bot's code."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(discover())
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        query = "SELECT user_id, position FROM poll_votes WHERE poll_id = ?"
        rows = conn.execute(query, (poll_id,))
        return verdict, {(int(user), int(position)) for user, position in rows}


async def test_backup_while_votes_are_written_then_restore(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    guild = fake.add_guild(name="Backup Club")
    channel = guild.default_channel_id
    author = fake.add_member(guild.id, name="author")
    database = tmp_path / "data" / "dramabot.sqlite3"
    env = {"DATABASE_PATH": str(database)}
    async with BotProcess(fake, database, tmp_path) as bot:
        await bot.start()
        create = await fake.slash(
            guild.id, channel, author, "poll", "create",
            options={"question": "Best lead?", "options": "Kim | Lee", "anonymous": True},
        )  # fmt: skip
        assert "is up" in await create.reply_text(timeout=15)
        post = await fake.wait_for_request("POST", rf"/channels/{channel}/messages", timeout=15)
        message_id = int(post.response["id"])
        poll_id = int(post.response["components"][0]["components"][0]["custom_id"].split(":")[2])

        committed: list[tuple[int, int]] = []  # answered "Your vote": in the database by then
        enough, stop = asyncio.Event(), asyncio.Event()

        async def vote() -> None:
            # A new fan votes every PACE seconds until the backup is done.
            for number in range(MAX_VOTES):
                if stop.is_set():
                    return
                await asyncio.sleep(PACE)
                fan = fake.add_member(guild.id, name=f"fan{number}")
                option = number % 2
                custom_id = f"poll:vote:{poll_id}:{option}"
                itx = await fake.click(guild.id, channel, fan, message_id, custom_id)
                assert "Your vote in poll" in await itx.reply_text(timeout=15)
                committed.append((fan, option))
                if len(committed) == 20:
                    enough.set()

        voting = asyncio.create_task(vote())
        await asyncio.wait_for(enough.wait(), 60)
        before = set(committed)
        target = tmp_path / "backups" / "monday.sqlite3"
        target.parent.mkdir()
        result = await run_cli("backup", str(target), cwd=tmp_path, env=env)
        stop.set()
        await voting
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"backed up {database} to {target} (schema version")
        assert len(committed) > len(before), "no vote was written while the backup ran"

        verdict, saved = _copy_votes(target, poll_id)
        assert verdict == "ok"
        assert before <= saved
        assert saved <= set(committed)
        assert not target.with_name(target.name + "-wal").exists()

        again = await run_cli("backup", str(target), cwd=tmp_path, env=env)
        assert again.returncode == 1
        assert again.stderr.strip().splitlines() == [
            f"dramabot: {target} already exists; a backup never overwrites, pick a new name"
        ]

        # Restore exactly as the README says: stop, remove the live files, copy, start.
        assert await bot.terminate() == 0
        for suffix in ("", "-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(target, database)
        await bot.start()
        results = await fake.slash(
            guild.id, channel, author, "poll", "results", options={"poll": poll_id}
        )
        assert f"{len(saved)} fans have voted so far" in await results.reply_text(timeout=15)


async def test_backup_without_a_database_is_one_line(tmp_path: Path) -> None:
    result = await run_cli(
        "backup", "copy.sqlite3", cwd=tmp_path, env={"DATABASE_PATH": str(tmp_path / "none.db")}
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"dramabot: there is no database at {tmp_path / 'none.db'} (DATABASE_PATH) to back up"
    ]
    assert not (tmp_path / "none.db").exists()
    assert not (tmp_path / "copy.sqlite3").exists()
