"""A process serving some shards starts, reconciles and closes only its own guilds' polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakediscord.models import FakeGuild
from tests.harness import BotEnv, message_text
from tests.polls.helpers import A, B, votes, wait_votes


async def _poll_in(env: BotEnv, guild: FakeGuild, fan: int) -> tuple[int, dict[str, Any]]:
    """A 30-minute poll in the guild's first channel, and the fan's live vote for 🇦."""
    fake, channel = env.fake, guild.default_channel_id
    before = len(fake.requests)
    asked = {"question": "Q", "options": "a | b", "duration": "30m"}
    itx = await fake.slash(guild.id, channel, fan, "poll", "create", options=asked)
    assert "is up" in await itx.reply_text()
    post = await fake.wait_for_request("POST", rf"/channels/{channel}/messages$", after=before)
    message: dict[str, Any] = post.response
    poll_id = int(message["embeds"][0]["title"].split("#")[1])
    await fake.add_reaction(guild.id, channel, int(message["id"]), fan, A)
    await wait_votes(env, poll_id, [(fan, 0)])
    return poll_id, message


def _switch_to_b_while_down(
    env: BotEnv, guild: FakeGuild, message: dict[str, Any], fan: int
) -> None:
    mid, channel = int(message["id"]), guild.default_channel_id
    env.fake.remove_reaction_offline(guild.id, channel, mid, fan, A)
    env.fake.add_reaction_offline(guild.id, channel, mid, fan, B)


def _touching(env: BotEnv, after: int, guild: FakeGuild) -> list[str]:
    """The bot's requests (from index `after`) about the guild's channel."""
    prefix = f"/channels/{guild.default_channel_id}/"
    return [f"{r.method} {r.path}" for r in env.fake.requests[after:] if prefix in r.path]


async def test_a_shard_0_process_leaves_the_polls_of_shard_1_alone(env: BotEnv) -> None:
    fake = env.fake
    await env.stop()
    ours, theirs = fake.add_guild("ours", shard=(0, 2)), fake.add_guild("theirs", shard=(1, 2))
    fan = {g.id: fake.add_member(g.id, name="fan") for g in (ours, theirs)}
    await env.start(shard_count=2)  # one process, both shards
    our_poll, our_message = await _poll_in(env, ours, fan[ours.id])
    their_poll, their_message = await _poll_in(env, theirs, fan[theirs.id])
    await env.stop()
    # While no process runs, both fans change their vote to 🇧.
    _switch_to_b_while_down(env, ours, our_message, fan[ours.id])
    _switch_to_b_while_down(env, theirs, their_message, fan[theirs.id])

    start = len(fake.requests)
    await env.start(shard_count=2, shard_ids=(0,))
    await wait_votes(env, our_poll, [(fan[ours.id], 1)])  # our poll is reconciled
    await env.advance_to(datetime.now(UTC) + timedelta(minutes=31))
    results = await fake.wait_for_request(
        "POST", rf"/channels/{ours.default_channel_id}/messages$", after=start
    )
    assert "Winner: 🇧 b · 1 voter" in message_text(results.json)
    await env.settle(20)
    # Shard 1's poll: not read, not closed at its deadline, its votes as they were.
    assert _touching(env, start, theirs) == []
    assert await votes(env, their_poll) == [(fan[theirs.id], 0)]

    # The process that owns shard 1 then does all of that, once.
    await env.stop()
    start = len(fake.requests)
    await env.start(shard_count=2, shard_ids=(1,))
    posted = await fake.wait_for_request(
        "POST", rf"/channels/{theirs.default_channel_id}/messages$", after=start
    )
    assert "Winner: 🇧 b · 1 voter" in message_text(posted.json)
    await env.settle(20)
    assert _touching(env, start, ours) == []
    itx = await fake.slash(theirs.id, theirs.default_channel_id, fan[theirs.id], "poll", "list")
    assert "No polls are open here" in await itx.reply_text()
