"""End to end: foreign clicks refused, a failed first save, typed chatter that is no guess."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.harness import BotEnv

START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PACK = "Secretary Kim"


async def _start(env: BotEnv, user_id: int, **options: Any) -> tuple[str, Any]:
    before = len(env.fake.requests)
    itx = await env.slash(user_id, "trivia", "start", **options)
    intro = await itx.reply_text()
    question = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    return intro, question


async def test_click_from_another_channel_is_refused_and_not_counted(env: BotEnv) -> None:
    await env.advance_to(START)
    _, question = await _start(env, env.fan_id, pack=PACK, questions=1)
    ids = [c["custom_id"] for r in question.json["components"] for c in r["components"]]
    message_id = int(question.response["id"])
    elsewhere = env.fake.add_channel(env.guild_id, "elsewhere")
    await env.settle()
    foreign = await env.fake.click(env.guild_id, elsewhere, env.fan2_id, message_id, ids[0])
    text = await foreign.reply_text()
    assert foreign.is_ephemeral
    assert "another channel" in text, text
    assert await env.running.db.fetch_all("SELECT * FROM trivia_answers") == []
    # The same click in the game's own channel still counts.
    own = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, ids[0])
    assert "Locked in" in await own.reply_text()
    rows = await env.running.db.fetch_all("SELECT user_id FROM trivia_answers")
    assert [r["user_id"] for r in rows] == [env.fan2_id]
