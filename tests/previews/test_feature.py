"""Previews as one feature of the bot: warm page parsers, and unloading leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from cogs.previews.parser import WORKERS
from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv, until

WORKER_MODULE = b"cogs.previews.parse_worker"


def _parse_workers() -> set[int]:
    """The page parser processes this test process started (as the OS lists them)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and WORKER_MODULE in cmdline:
            found.add(int(entry.name))
    return found


async def _wait_for_warm_workers() -> set[int]:
    async def warm() -> bool:
        return len(_parse_workers()) == WORKERS

    await until(warm, "the page parsers to start", timeout=20)
    return _parse_workers()


async def test_page_parsers_are_warm_before_the_first_link_and_stop_with_the_bot(
    env: BotEnv,
) -> None:
    workers = await _wait_for_warm_workers()  # no link was posted, no /preview asked
    await env.stop()
    assert not _parse_workers() & workers


async def test_page_parsers_start_while_the_bot_connects_not_after_ready(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    # The first link can come with READY: the workers must not start only then.
    held = fake.gate("GET", r"/gateway/bot")  # the bot is set up and about to connect
    bot_env = BotEnv(fake=fake, db_path=tmp_path / "bot.sqlite3", settings_overrides={})
    bot_env.build_world()
    starting = asyncio.create_task(bot_env.start())
    try:
        await held.next(timeout=15)
        workers = await _wait_for_warm_workers()
        assert not bot_env.running.is_ready()
        held.open()
        await starting
        assert _parse_workers() == workers  # the same processes serve the first pages
    finally:
        held.open()
        await asyncio.gather(starting, return_exceptions=True)
        await bot_env.stop()


async def test_unloading_previews_stops_them_and_takes_them_out_of_help(env: BotEnv) -> None:
    workers = await _wait_for_warm_workers()
    await env.running.unload_extension("cogs.previews")
    assert env.running.features.get("previews") is None
    assert not _parse_workers() & workers
    itx = await env.slash(env.fan_id, "help", topic="previews")
    assert "no help topic called 'previews'" in await itx.reply_text()
    assert itx.is_ephemeral
