"""Review findings end to end: what a typed game shows, races at the deadline, stop vs end."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.trivia.library import shipped_packs
from tests.harness import BotEnv, message_text

START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PACK = "Secretary Kim"


async def _rows(env: BotEnv, sql: str) -> list[Any]:
    return list(await env.running.db.fetch_all(sql))


async def _wait_rows(env: BotEnv, sql: str, count: int) -> list[Any]:
    for _ in range(100):
        rows = await _rows(env, sql)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} rows for {sql}")


async def test_typed_right_answer_is_not_marked_publicly_before_the_reveal(env: BotEnv) -> None:
    await env.advance_to(START)
    itx = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=1, mode="typed")
    assert "typed mode" in await itx.reply_text()
    row = (await _rows(env, "SELECT plan FROM trivia_games"))[0]
    question = shipped_packs()["secretary kim"].questions[json.loads(row["plan"])[0]["q"]]
    before = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, question.answers[0])
    answers = await _wait_rows(env, "SELECT correct FROM trivia_answers", 1)
    assert answers[0]["correct"] == 1
    await env.settle()
    # A ✅ under the message would hand the answer to everyone still thinking.
    assert not [r for r in env.fake.requests[before:] if "/reactions/" in r.path]
    await env.advance_to(START + timedelta(seconds=21))
    reveal = await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "The answer" in message_text(r.json),
    )
    assert f"<@{env.fan_id}>" in message_text(reveal.json)
