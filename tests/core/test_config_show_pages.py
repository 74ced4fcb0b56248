"""/config show: answered at once (deferred only when slow); paged, nothing cut."""

from __future__ import annotations

import asyncio
import re

import discord
import pytest

from bot.features import Feature, HelpTopic
from bot.replies import MESSAGE_LIMIT, pages
from cogs.config import cog as config_cog
from tests.harness import BotEnv, message_text


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "\n".join(f"line {i} " + "x" * 90 for i in range(100)),
        "head\n" + "y" * 5000 + "\ntail",
        "a\n\nb",
    ],
)
def test_pages_keep_whole_lines_within_the_limit(text: str) -> None:
    result = pages(text)
    assert result
    assert all(0 < len(page) <= MESSAGE_LIMIT for page in result)
    if all(len(line) <= MESSAGE_LIMIT for line in text.split("\n")):
        assert "\n".join(result).replace("\n\n", "\n") == text.replace("\n\n", "\n")
    assert result[-1].endswith(text.split("\n")[-1])


async def test_config_show_pages_long_status_and_keeps_the_problems(env: BotEnv) -> None:
    async def chatty(guild: discord.Guild) -> list[str]:
        return [f"Status line {i}: " + "s" * 150 for i in range(60)]

    env.running.features.register(Feature("chatty", help=HelpTopic("Chatty", ()), status=chatty))
    await env.running.guild_settings.report_problem(
        env.guild_id, "polls", "k", "I need Manage Messages in #general."
    )
    itx = await env.slash(env.mod_id, "config", "show")
    await itx.response()
    hook = rf"/webhooks/{env.fake.app_id}/{re.escape(itx.token)}"
    await env.fake.wait_for_request(
        "POST", hook, predicate=lambda rec: "Needs attention" in message_text(rec.json)
    )
    shown = [message_text(msg) for msg in itx.messages if message_text(msg)]
    assert len(shown) > 1
    text = "\n".join(shown)
    assert "Status line 59" in text
    assert "I need Manage Messages in #general." in text


async def test_config_show_answers_at_once_when_nothing_is_slow(env: BotEnv) -> None:
    itx = await env.slash(env.mod_id, "config", "show")
    response = await itx.response()
    assert response.json["type"] == 4  # the answer itself, not "thinking…"
    assert itx.is_ephemeral
    assert "dramabot configuration" in message_text(response.json["data"])


async def test_config_show_is_deferred_while_a_feature_is_slow_to_answer(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_cog, "DEFER_AFTER_SECONDS", 0.01)
    release = asyncio.Event()

    async def slow(guild: discord.Guild) -> list[str]:
        await release.wait()
        return ["Slow feature: all well."]

    env.running.features.register(Feature("slow", help=HelpTopic("Slow", ()), status=slow))
    itx = await env.slash(env.mod_id, "config", "show")
    response = await itx.response()
    assert response.json["type"] == 5  # deferred while the slow feature is asked
    release.set()
    (followup,) = await itx.followups(1)
    assert "Slow feature: all well." in message_text(followup.json)
    assert itx.is_ephemeral
