"""Many announcements due at one instant: each posted once, their ledger rows written together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.airtime.helpers import ledger, posts
from tests.harness import BotEnv, until

DRAMAS = 12
BUSY = 50  # a server's most: with the other server's post, more than Discord takes in a second
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


async def test_posts_due_together_under_the_global_limit_go_out_once_none_refused_servers_in_turn(
    env: BotEnv,
) -> None:
    env.travel_to(AIR - timedelta(hours=2))
    env.fake.enforce_global_limit(50)  # as Discord does
    busy = env.fake.add_channel(env.guild_id, "airtime")
    other = env.fake.add_guild(name="Other Club")
    other_mod = env.fake.add_member(
        other.id, name="om", roles=(env.fake.add_role(other.id, "M", permissions=1 << 5),)
    )
    await env.settle()
    for n in range(BUSY):
        await env.reply(env.mod_id, "drama", "add", title=f"Drama {n}", network="tvN", days="Wed",
                        time="21:30", premiere="2018-06-06", episodes=16, runtime=70)  # fmt: skip
        await env.reply(env.mod_id, "drama", "announce", drama=f"Drama {n}", channel=busy,
                        remind="none")  # fmt: skip
    for path, options in (
        (("drama", "add"), {"catalog": "secretary-kim"}),  # episode 1 airs at AIR too
        (("drama", "announce"), {"drama": "Secretary Kim", "channel": other.default_channel_id,
                                 "remind": "none"}),
    ):  # fmt: skip
        itx = await env.fake.slash(other.id, other.default_channel_id, other_mod, *path,
                                   options=options)  # fmt: skip
        await itx.reply_text()
    start = len(env.fake.requests)
    await env.advance_to(AIR)
    channels = {busy, other.default_channel_id}

    def sent() -> list[int]:
        return [
            int(r.path.split("/")[2])
            for r in env.fake.requests[start:]
            if r.method == "POST" and r.path.startswith("/channels/") and r.status == 200
            and int(r.path.split("/")[2]) in channels
        ]  # fmt: skip

    async def all_sent() -> bool:
        return len(sent()) == BUSY + 1

    await until(all_sent, "every on-air post")
    # Served in turn: a few of the busy server's posts may start before the other's job is
    # due (its claim comes in a later batch), never most of its queue (without turns: ~30-40).
    assert sent().index(other.default_channel_id) < BUSY // 5
    assert not env.fake.rate_limited  # Discord would have answered 429
