"""`/airtime next` and `/airtime week` are kept ready between changes, and never shown stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cogs.airtime.render import (
    EMBED_LIMIT,
    EMBEDS_PER_MESSAGE,
    EMBEDS_TEXT_LIMIT,
    MESSAGE_LIMIT,
    embed_pages,
    overview_pages,
)
from tests.airtime.helpers import EP1, EP2
from tests.harness import BotEnv

JUNE_13 = datetime(2018, 6, 13, 12, 30, tzinfo=UTC)  # where episode 2 goes when the 7th is skipped


def unix(at: datetime) -> int:
    return int(at.timestamp())


async def test_next_and_week_show_a_moderators_change_at_once(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 6, 10, 0, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    assert f"Episode 1 · <t:{unix(EP1)}:F>" in await env.reply(env.fan_id, "airtime", "next")
    week = await env.reply(env.fan_id, "airtime", "week")
    assert f"Episode 2 · <t:{unix(EP2)}:F>" in week
    await env.reply(env.mod_id, "drama", "skip", drama="Secretary Kim", date="2018-06-07")
    assert "Episode 2" not in await env.reply(env.fan_id, "airtime", "week")  # now on the 13th
    await env.reply(env.mod_id, "drama", "undo", drama="Secretary Kim", change="skip:2018-06-07")
    assert f"Episode 2 · <t:{unix(EP2)}:F>" in await env.reply(env.fan_id, "airtime", "week")
    await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", title="Kim Again")
    assert "**Kim Again** · Episode 1" in await env.reply(env.fan_id, "airtime", "next")
    await env.reply(env.mod_id, "drama", "remove", drama="Kim Again")
    assert "No dramas yet" in await env.reply(env.fan_id, "airtime", "next")
    assert "Nothing airs" in await env.reply(env.fan_id, "airtime", "week")


async def test_next_moves_on_when_the_episode_it_named_starts(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 6, 10, 0, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    await env.reply(env.mod_id, "drama", "skip", drama="Secretary Kim", date="2018-06-07")
    assert f"Episode 1 · <t:{unix(EP1)}:F>" in await env.reply(env.fan_id, "airtime", "next")
    await env.advance_to(EP1 + timedelta(seconds=1))
    text = await env.reply(env.fan_id, "airtime", "next")
    assert f"Episode 2 · <t:{unix(JUNE_13)}:F>" in text
    week = await env.reply(env.fan_id, "airtime", "week")
    assert "Episode 1" not in week
    assert f"Episode 2 · <t:{unix(JUNE_13)}:F>" in week


@pytest.mark.parametrize(
    ("lines", "messages"),
    [
        (["x" * 95] * 50, 1),  # 50 dramas' next lines: one message, not three
        (["x" * 95] * 62, 1),  # 5,951 characters in two descriptions still fit
        (["x" * 95] * 64, 2),  # past 6,000 characters in a message
        (["x" * 10] * 4000, 8),  # a week of a huge server: 10 embeds at most, 6,000 in all
        ([], 0),
    ],
)
def test_overview_pages_stay_within_discords_embed_limits(lines: list[str], messages: int) -> None:
    pages = embed_pages(lines)
    assert len(pages) == messages
    assert [line for page in pages for text in page for line in text.split("\n")] == lines
    for page in pages:
        assert len(page) <= EMBEDS_PER_MESSAGE
        assert sum(map(len, page)) <= EMBEDS_TEXT_LIMIT
        assert all(len(text) <= EMBED_LIMIT for text in page)


@pytest.mark.parametrize(
    ("lines", "messages"),
    [
        ([f"{n:02d}" + "x" * 83 for n in range(50)], 1),  # 50 dramas' next lines
        ([f"{n:02d}" + "x" * 83 for n in range(88)], 1),  # a week of 88 broadcasts: 7,568
        ([f"{n:03d}" + "x" * 82 for n in range(200)], 3),
        ([], 1),  # the header alone
    ],
)
def test_a_long_overview_begins_in_the_text_and_needs_as_few_messages_as_discord_allows(
    lines: list[str], messages: int
) -> None:
    pages = overview_pages(lines, "**Airing this week**")
    assert len(pages) == messages
    assert pages[0][0].startswith("**Airing this week**")
    read = [line for content, embeds in pages for text in (content, *embeds)
            for line in text.split("\n") if text]  # fmt: skip
    assert read == ["**Airing this week**", *lines]
    for content, embeds in pages:
        assert len(content) <= MESSAGE_LIMIT
        assert len(embeds) <= EMBEDS_PER_MESSAGE
        assert sum(map(len, embeds)) <= EMBEDS_TEXT_LIMIT
