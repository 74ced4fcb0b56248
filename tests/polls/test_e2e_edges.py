"""Reaction polls end to end at the edges: limits, permissions, privacy, races, restarts."""

from __future__ import annotations

from tests.harness import BotEnv
from tests.polls.test_e2e import create, react, wait_votes

A, B = "🇦", "🇧"


async def test_results_of_twenty_long_options_show_every_option_and_the_verdict(
    env: BotEnv,
) -> None:
    labels = [f"{i:02d} " + "x" * 97 for i in range(20)]
    poll_id, message = await create(env, question="Q" * 250, options=" | ".join(labels))
    await react(env, message, env.fan_id, chr(0x1F1E6 + 19))
    await wait_votes(env, poll_id, [(env.fan_id, 19)])
    itx = await env.slash(env.fan_id, "poll", "results", poll=poll_id)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert f"{chr(0x1F1E6 + 19)} 19 " in text
    assert "Leading: " in text
    assert "1 voter" in text
