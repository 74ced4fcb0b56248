"""A process owns its shards' games: at start-up it closes only those a restart interrupted."""

from __future__ import annotations

from typing import Any

from bot.shards import shard_of
from cogs.trivia.render import RESTART_NOTICE
from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv, until


def _notices(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    return [m for m in fake.messages.get(channel_id, []) if RESTART_NOTICE in m["content"]]


async def _play(env: BotEnv, guild_id: int, channel_id: int, user_id: int) -> None:
    before = len(env.fake.requests)
    itx = await env.fake.slash(
        guild_id, channel_id, user_id, "trivia", "start", options={"seconds": 60}
    )
    assert "started" in await itx.reply_text()
    await env.fake.wait_for_request("POST", rf"/channels/{channel_id}/messages", after=before)


async def _status(env: BotEnv, channel_id: int) -> str:
    value = await env.running.db.fetch_value(
        "SELECT status FROM trivia_games WHERE channel_id = :channel_id",
        {"channel_id": channel_id},
    )
    return str(value)


async def test_a_shard_0_start_leaves_shard_1s_running_games_alone(env: BotEnv) -> None:
    fake = env.fake
    ours, theirs = fake.add_guild("Shard 0", shard=(0, 2)), fake.add_guild("Shard 1", shard=(1, 2))
    assert (shard_of(ours.id, 2), shard_of(theirs.id, 2)) == (0, 1)
    fans = [fake.add_member(g.id, name="fan") for g in (ours, theirs)]
    await fake.sync()
    for guild, fan in zip((ours, theirs), fans, strict=True):
        await _play(env, guild.id, guild.default_channel_id, fan)

    # Both games are left running by a stop; this process comes back as shard 0 of 2.
    await env.restart(shard_count=2, shard_ids=(0,))
    ours_channel, theirs_channel = ours.default_channel_id, theirs.default_channel_id

    async def ours_told() -> bool:
        return len(_notices(fake, ours_channel)) == 1

    await until(ours_told, "the notice for shard 0's interrupted game")
    assert await _status(env, ours_channel) == "interrupted"
    # Shard 1's game belongs to another process: not interrupted, and no notice owed for it.
    assert await _status(env, theirs_channel) == "running"
    owed = await env.running.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE guild_id = :guild_id", {"guild_id": theirs.id}
    )
    assert owed == 0
    assert _notices(fake, theirs_channel) == []

    # Shard 1's own process, restarted, closes it and tells its channel once.
    await env.restart(shard_count=2, shard_ids=(1,))

    async def theirs_told() -> bool:
        return len(_notices(fake, theirs_channel)) == 1

    await until(theirs_told, "the notice for shard 1's interrupted game")
    assert await _status(env, theirs_channel) == "interrupted"
    assert len(_notices(fake, ours_channel)) == 1
