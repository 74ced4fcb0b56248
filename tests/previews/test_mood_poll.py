"""The mood poll: its question is on the card, and it works under all three ways to preview."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app import discover_cog_packages
from cogs.previews.posting import MOOD_QUESTION
from tests.fakediscord.state import EMBED_LINKS, READ_MESSAGE_HISTORY, SEND_MESSAGES, VIEW_CHANNEL
from tests.harness import BotEnv, until
from tests.previews.helpers import (
    MOODS,
    Site,
    enable,
    mood_poll_of,
    post_and_wait_preview,
    reactions_on,
)

MOOD_VALUE = "❤️ love · 😂 funny · 😮 wow · 😢 sad · 😡 angry"


async def _preview_message(env: BotEnv, site: Site, way: str) -> dict[str, Any]:
    """Preview the `og` page the given way; return the message Discord shows."""
    if way == "automatic":
        await enable(env)
        _, rec = await post_and_wait_preview(env, f"look {site.url('/og')}")
        return dict(rec.response)
    if way == "command":
        itx = await env.slash(env.fan_id, "preview", url=site.url("/og"))
    else:
        source = await env.fake.post_message(
            env.guild_id, env.channel_id, env.fan2_id, f"read {site.url('/og')}"
        )
        itx = await env.fake.context_menu(
            env.guild_id, env.channel_id, env.fan_id, "Preview article", int(source["id"])
        )
    (followup,) = await itx.followups(1)
    assert not followup.json.get("flags", 0) & 64  # public
    return dict(followup.response)


@pytest.mark.parametrize("way", ["automatic", "command", "menu"])
async def test_mood_poll_asks_its_question_and_counts_votes(
    env: BotEnv, site: Site, way: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    message = await _preview_message(env, site, way)
    message_id = int(message["id"])
    (embed,) = message["embeds"]
    assert embed["fields"][-1] == {"name": MOOD_QUESTION, "value": MOOD_VALUE, "inline": False}

    async def polled() -> bool:
        return reactions_on(env, message_id) == MOODS

    await until(polled, "the five mood reactions")
    poll_id = await mood_poll_of(env, message_id)
    assert poll_id is not None
    await env.fake.add_reaction(env.guild_id, env.channel_id, message_id, env.fan2_id, "😂")
    results = ""

    async def counted() -> bool:
        nonlocal results
        results = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
        return "1 voter" in results

    await until(counted, "the fan's mood vote")
    assert "mood poll not attached" not in caplog.text
    assert MOOD_QUESTION in results
    assert "😂 funny 🏆" in results


@pytest.mark.parametrize("way", ["automatic", "command", "menu"])
async def test_no_question_when_mood_polls_are_off(env: BotEnv, site: Site, way: str) -> None:
    assert "off" in await env.reply(env.mod_id, "previews", "moodpoll", state="off")
    message = await _preview_message(env, site, way)
    names = [field["name"] for field in message["embeds"][0].get("fields", [])]
    assert MOOD_QUESTION not in names
    await env.settle(rounds=20)
    assert reactions_on(env, int(message["id"])) == []
    assert await mood_poll_of(env, int(message["id"])) is None


@pytest.mark.parametrize("way", ["automatic", "command"])
async def test_question_is_taken_back_when_reactions_are_refused(
    env: BotEnv, site: Site, way: str
) -> None:
    allowed = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY  # no reactions
    env.fake.set_bot_permissions(env.guild_id, allowed, channel_id=env.channel_id)
    await env.fake.sync()
    message = await _preview_message(env, site, way)
    message_id = int(message["id"])

    async def question_gone() -> bool:
        current = env.fake.get_message(env.channel_id, message_id) or {}
        fields = current.get("embeds", [{}])[0].get("fields", [])
        return bool(fields) and MOOD_QUESTION not in [field["name"] for field in fields]

    await until(question_gone, "the unanswerable question taken off the card")
    assert await mood_poll_of(env, message_id) is None
    problems = await env.running.guild_settings.problems(env.guild_id, "previews")
    assert [(problem.key, problem.channel_id) for problem in problems] == [
        (f"reactions:{env.channel_id}", env.channel_id)
    ]


async def test_without_the_polls_feature_previews_come_without_a_mood_poll(
    env: BotEnv, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    env.extensions = [name for name in discover_cog_packages() if name != "cogs.polls"]
    await env.restart()
    assert "poll" not in {command.name for command in env.running.tree.get_commands()}
    messages = [await _preview_message(env, site, way) for way in ("automatic", "command")]
    await env.settle(rounds=20)
    for message in messages:
        names = [field["name"] for field in message["embeds"][0].get("fields", [])]
        assert MOOD_QUESTION not in names
        assert reactions_on(env, int(message["id"])) == []
    said = [r for r in caplog.records if "polls feature is not loaded" in r.getMessage()]
    assert len(said) == 1
