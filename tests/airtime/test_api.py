"""The typed API other features call (trivia and previews spoiler guards and drama lines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cogs.airtime.api import AirtimeSchedule
from tests.airtime.helpers import as_loaded
from tests.harness import BotEnv

EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
EP12 = datetime(2018, 7, 12, 12, 30, tzinfo=UTC)


def schedule(env: BotEnv) -> AirtimeSchedule:
    found = env.running.features.api(as_loaded(AirtimeSchedule))
    assert found is not None
    return found


async def test_the_api_answers_for_the_guilds_dramas(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    airtime = schedule(env)
    tracked = await airtime.tracked_dramas(env.guild_id)
    assert [(t.title, t.aliases[0]) for t in tracked] == [
        ("What's Wrong with Secretary Kim", "Secretary Kim")
    ]
    drama_id = tracked[0].drama_id
    assert await airtime.tracked_dramas(999) == []

    aired = airtime.aired_episodes
    assert await aired(env.guild_id, "secretary KIM", EP1 - timedelta(seconds=1)) == 0
    assert await aired(env.guild_id, "김비서가 왜 그럴까", EP1) == 1
    assert await aired(env.guild_id, "What's Wrong with Secretary Kim", EP12) == 12
    assert await aired(env.guild_id, "Goblin", EP12) is None
    assert await aired(999, "Secretary Kim", EP12) is None

    assert await airtime.next_episode(env.guild_id, drama_id, EP1) == (
        2,
        datetime(2018, 6, 7, 12, 30, tzinfo=UTC),
    )
    assert await airtime.next_episode(env.guild_id, drama_id, EP12 - timedelta(seconds=1)) == (
        12,
        EP12,
    )
    assert (
        await airtime.next_episode(env.guild_id, drama_id, datetime(2019, 1, 1, tzinfo=UTC)) is None
    )
    assert await airtime.next_episode(999, drama_id, EP1) is None  # other guild's id


async def test_no_api_and_no_airtime_commands_without_the_feature(env: BotEnv) -> None:
    env.extensions = ["cogs.trivia", "cogs.help"]
    await env.restart()
    assert env.running.features.api(as_loaded(AirtimeSchedule)) is None
    text = await env.reply(env.fan_id, "help")
    assert "/trivia" in text
    assert "/airtime" not in text
