"""Many announcements due at one instant: each posted once, their ledger rows written together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.airtime.helpers import ledger, posts
from tests.harness import BotEnv, until

DRAMAS = 12
AIR = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)  # Wed 21:30 KST


async def test_a_dozen_on_air_posts_due_together_go_out_once_each(env: BotEnv) -> None:
    env.travel_to(AIR - timedelta(hours=2))
    channel = env.fake.add_channel(env.guild_id, "airtime")
    await env.settle()
    for n in range(DRAMAS):
        await env.reply(env.mod_id, "drama", "add", title=f"Drama {n}", network="tvN", days="Wed",
                        time="21:30", premiere="2018-06-06", episodes=16, runtime=70)  # fmt: skip
        await env.reply(env.mod_id, "drama", "announce", drama=f"Drama {n}", channel=channel,
                        remind="none")  # fmt: skip
    start = len(env.fake.requests)
    await env.advance_to(AIR)

    async def all_posted() -> bool:
        return len(posts(env, channel, start)) >= DRAMAS

    await until(all_posted, "every on-air post")
    await env.advance_to(AIR + timedelta(minutes=5))  # a second run would post again now
    texts = sorted(p.json["content"] for p in posts(env, channel, start))
    assert texts == sorted(
        f"📺 **Drama {n}** episode 1 is on air now on tvN!" for n in range(DRAMAS)
    )
    assert await ledger(env) == [("1", "onair", "sent")] * DRAMAS
