"""/config show with more to say than one Discord message holds: paged, nothing cut."""

from __future__ import annotations

import re

import discord
import pytest

from bot.features import Feature, HelpTopic
from bot.replies import MESSAGE_LIMIT, pages
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
