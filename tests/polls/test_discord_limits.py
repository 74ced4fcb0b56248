"""Polls at Discord's limits: whatever fans type, every message is one Discord accepts.

The fake refuses (and the `fake` fixture fails on) anything over Discord's documented limits,
so these tests drive the largest polls fans can make through every message polls send.
"""

from __future__ import annotations

from tests.harness import BotEnv, message_text
from tests.polls.helpers import create, react, wait_votes

# Markdown characters double when escaped: the worst case for every length budget.
LABELS = [f"{i:02d}" + "*_" * 49 for i in range(20)]


async def test_twenty_longest_anonymous_options_post_vote_and_close(env: BotEnv) -> None:
    poll_id, message = await create(
        env, question="_*" * 125, options=" | ".join(LABELS), anonymous=True, multi=True
    )
    rows = message["components"]
    assert [len(row["components"]) for row in rows] == [5, 5, 5, 5]
    mid = int(message["id"])
    for n in (0, 19):
        itx = await env.fake.click(
            env.guild_id, env.channel_id, env.fan_id, mid, f"poll:vote:{poll_id}:{n}"
        )
        assert "poll" in await itx.reply_text()
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan_id, 19)])
    live = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert "hidden until it closes" in live
    text = await env.reply(env.fan_id, "poll", "close", poll=poll_id)
    assert "Closed poll" in text
    closed = env.fake.get_message(env.channel_id, mid)
    assert closed is not None
    assert closed["components"] == []
    assert "19" in message_text(closed)


async def test_twenty_longest_reaction_options_results_and_list(env: BotEnv) -> None:
    ids = []
    for _ in range(3):
        poll_id, message = await create(env, question="*" * 250, options=" | ".join(LABELS))
        ids.append(poll_id)
    await react(env, message, env.fan_id, chr(0x1F1E6 + 19))
    await wait_votes(env, ids[-1], [(env.fan_id, 19)])
    results = await env.reply(env.fan_id, "poll", "results", poll=ids[-1])
    assert "Leading" in results
    listing = await env.reply(env.fan_id, "poll", "list")
    assert f"#{ids[0]}" in listing
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("poll", "results"), focused="poll", value=""
    )
    assert len(choices) == 3
    assert await env.reply(env.fan_id, "poll", "close", poll=ids[-1])
