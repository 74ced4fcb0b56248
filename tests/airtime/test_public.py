"""The public functions other features call (trivia / previews spoiler guards)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cogs.airtime import public
from tests.harness import BotEnv

EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
EP12 = datetime(2018, 7, 12, 12, 30, tzinfo=UTC)


async def test_public_functions_answer_for_the_guilds_dramas(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    bot = env.running
    tracked = await public.tracked_dramas(bot, env.guild_id)
    assert [(t.title, t.aliases[0]) for t in tracked] == [
        ("What's Wrong with Secretary Kim", "Secretary Kim")
    ]
    drama_id = tracked[0].drama_id
    assert await public.tracked_dramas(bot, 999) == []

    aired = public.aired_episodes
    assert await aired(bot, env.guild_id, "secretary KIM", EP1 - timedelta(seconds=1)) == 0
    assert await aired(bot, env.guild_id, "김비서가 왜 그럴까", EP1) == 1
    assert await aired(bot, env.guild_id, "What's Wrong with Secretary Kim", EP12) == 12
    assert await aired(bot, env.guild_id, "Goblin", EP12) is None
    assert await aired(bot, 999, "Secretary Kim", EP12) is None

    assert await public.next_episode(bot, env.guild_id, drama_id, EP1) == (
        2,
        datetime(2018, 6, 7, 12, 30, tzinfo=UTC),
    )
    assert await public.next_episode(bot, env.guild_id, drama_id, EP12 - timedelta(seconds=1)) == (
        12,
        EP12,
    )
    assert (
        await public.next_episode(bot, env.guild_id, drama_id, datetime(2019, 1, 1, tzinfo=UTC))
        is None
    )
    assert await public.next_episode(bot, 999, drama_id, EP1) is None  # other guild's id


class BotWithoutAirtime:
    def get_cog(self, name: str) -> None:
        return None


async def test_public_functions_return_nothing_without_the_cog() -> None:
    bot = BotWithoutAirtime()
    assert await public.tracked_dramas(bot, 1) == []  # type: ignore[arg-type]
    assert await public.aired_episodes(bot, 1, "Kim", EP1) is None  # type: ignore[arg-type]
    assert await public.next_episode(bot, 1, 1, EP1) is None  # type: ignore[arg-type]
