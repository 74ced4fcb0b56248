"""Shutdown waits (bounded) for event handlers in flight before closing HTTP and the database."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot import app
from tests.harness import BotEnv


async def _started(flag: asyncio.Event) -> None:
    async with asyncio.timeout(5):
        await flag.wait()


async def test_a_handler_in_flight_finishes_its_database_write(env: BotEnv) -> None:
    bot = env.running
    entered, gate = asyncio.Event(), asyncio.Event()
    outcome: list[object] = []

    async def on_message(message: discord.Message) -> None:
        entered.set()
        await gate.wait()
        try:
            outcome.append(await bot.db.fetch_value("SELECT 1"))
        except Exception as error:  # the bug: the database was closed under the handler
            outcome.append(error)

    bot.add_listener(on_message)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, "hello")
    await _started(entered)
    stopping = asyncio.create_task(env.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # still waiting for the handler
    gate.set()
    await asyncio.wait_for(stopping, timeout=5)
    assert outcome == [1]


async def test_a_stuck_handler_delays_shutdown_only_by_the_grace(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "SHUTDOWN_GRACE_SECONDS", 0.2)
    bot = env.running
    entered = asyncio.Event()

    async def on_message(message: discord.Message) -> None:
        entered.set()
        await asyncio.Event().wait()  # never ends

    bot.add_listener(on_message)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, "hello")
    await _started(entered)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await env.stop()
    assert loop.time() - began < 2
