"""Airtime at Discord's limits: a server tracking the most dramas, with the longest names.

The fake refuses (and the `fake` fixture fails on) anything over Discord's documented limits,
so a listing that would be too long for one Discord message fails here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from cogs.airtime.service import MAX_DRAMAS_PER_GUILD
from cogs.airtime.validate import EPISODES_MAX, NAME_MAX, TITLE_MAX
from tests.harness import BotEnv, message_text


async def pages_until(env: BotEnv, itx: Any, needle: str) -> list[str]:
    """Every page the bot answered `itx` with, once one of them contains `needle`."""
    await itx.response()
    hook = rf"/webhooks/{env.fake.app_id}/{re.escape(itx.token)}"
    await env.fake.wait_for_request(
        "POST", hook, predicate=lambda rec: needle in message_text(rec.json)
    )
    return [message_text(msg) for msg in itx.messages]


def title(n: int) -> str:
    return f"Drama {n:02d} " + "W" * (TITLE_MAX - 9)


async def test_fifty_dramas_with_the_longest_names(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    for n in range(MAX_DRAMAS_PER_GUILD):
        text = await env.reply(
            env.mod_id, "drama", "add", title=title(n), network="N" * NAME_MAX,
            days="Mon Tue Wed Thu Fri Sat Sun", time="21:30", premiere="2018-06-04",
            episodes=EPISODES_MAX, streaming="S" * NAME_MAX, aliases=f"d{n}; alias {n}",
        )  # fmt: skip
        assert "Added" in text, text
    role = env.fake.add_role(env.guild_id, "Fans")
    await env.fake.sync()
    for n in range(0, MAX_DRAMAS_PER_GUILD, 10):
        itx = await env.slash(
            env.mod_id, "drama", "announce", drama=title(n), channel=env.channel_id, role=role
        )
        await itx.reply_text()
    full = await env.slash(env.mod_id, "drama", "list")
    assert len(await pages_until(env, full, title(49))) > 1  # paged within Discord's limit
    for command in (("airtime", "next"), ("airtime", "week")):
        itx = await env.slash(env.fan_id, *command)
        assert len(await pages_until(env, itx, title(49))) > 1
    itx = await env.slash(env.fan_id, "airtime", "episodes", drama=title(0))
    assert len(await pages_until(env, itx, "Episode 300 (finale)")) > 1
    config = await env.slash(env.mod_id, "config", "show")
    assert "Airtime: 50 dramas tracked" in await config.reply_text()
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("airtime", "next"), focused="drama", value=""
    )
    assert 0 < len(choices) <= 25
