"""/trivia delete end to end: only uploaded packs, only moderators, never a pack in play."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.harness import BotEnv

START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
CLUB = b"""
name: Club Quiz
description: Our own questions.
questions:
  - question: Which network?
    answers: [tvN]
    choices: [tvN, MBC]
  - question: Which year?
    answers: [2018]
    choices: ['2017', '2018']
"""


async def _upload(env: BotEnv) -> None:
    itx = await env.slash(
        env.mod_id, "trivia", "import", file=("club.yaml", CLUB, "application/x-yaml")
    )
    assert "Imported **Club Quiz**" in await itx.reply_text()


async def _packs(env: BotEnv) -> list[Any]:
    return await env.running.db.fetch_all("SELECT guild_id, name_key FROM trivia_packs")


async def _delete(env: BotEnv, user_id: int, pack: str) -> tuple[str, bool]:
    itx = await env.slash(user_id, "trivia", "delete", pack=pack)
    return await itx.reply_text(), itx.is_ephemeral


async def test_moderator_deletes_an_uploaded_pack(env: BotEnv) -> None:
    await env.advance_to(START)
    await _upload(env)
    await env.reply(env.mod_id, "trivia", "disable", pack="Club Quiz")
    text, ephemeral = await _delete(env, env.mod_id, "club quiz")
    assert ephemeral
    assert "Deleted **Club Quiz**" in text
    assert await _packs(env) == []
    assert await env.running.db.fetch_all("SELECT * FROM trivia_disabled_packs") == []
    assert "Club Quiz" not in await env.reply(env.fan_id, "trivia", "packs")
    refused = await env.reply(env.fan_id, "trivia", "start", pack="Club Quiz")
    assert "no pack called **Club Quiz**" in refused


async def test_fan_builtin_and_unknown_are_refused_and_change_nothing(env: BotEnv) -> None:
    await _upload(env)
    before = await _packs(env)
    text, ephemeral = await _delete(env, env.fan_id, "Club Quiz")
    assert ephemeral
    assert "moderators" in text
    text, ephemeral = await _delete(env, env.mod_id, "Secretary Kim")
    assert ephemeral
    assert "built-in" in text
    assert "/trivia disable" in text
    text, ephemeral = await _delete(env, env.mod_id, "No Such **Pack** @everyone")
    assert ephemeral
    assert "no uploaded pack called" in text
    assert "@everyone" not in text.replace("@\u200b", "")
    assert await _packs(env) == before
    assert "Secretary Kim" in await env.reply(env.fan_id, "trivia", "packs")


async def test_pack_in_play_cannot_be_deleted_and_scores_stay(env: BotEnv) -> None:
    await env.advance_to(START)
    await _upload(env)
    before = len(env.fake.requests)
    intro = await env.reply(env.fan_id, "trivia", "start", pack="Club Quiz", questions=1)
    assert "started **Club Quiz**" in intro
    question = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    text, ephemeral = await _delete(env, env.mod_id, "Club Quiz")
    assert ephemeral
    assert "being played" in text
    assert "/trivia stop" in text
    assert len(await _packs(env)) == 1
    # The fan answers right, so the game earns points that must survive the deletion.
    game = await env.running.db.fetch_one("SELECT game_id, plan FROM trivia_games")
    right = json.loads(game["plan"])[0]["correct"]
    custom_id = f"trivia:answer:{game['game_id']}:0:{right}"
    message_id = int(question.response["id"])
    env.travel_to(START + timedelta(seconds=1))
    click = await env.fake.click(env.guild_id, env.channel_id, env.fan_id, message_id, custom_id)
    assert "Locked in" in await click.reply_text()
    await env.advance_to(START + timedelta(seconds=30))
    for _ in range(50):
        status = await env.running.db.fetch_value("SELECT status FROM trivia_games")
        if status != "running":
            break
        await env.settle(2)
    text, _ = await _delete(env, env.mod_id, "Club Quiz")
    assert "Deleted **Club Quiz**" in text
    assert await _packs(env) == []
    points = await env.running.db.fetch_value("SELECT SUM(points) FROM trivia_answers")
    assert points > 100
    board = await env.reply(env.fan_id, "trivia", "leaderboard")
    assert f"<@{env.fan_id}>" in board
    assert str(points) in board


async def test_autocomplete_lists_only_uploaded_packs(env: BotEnv) -> None:
    await _upload(env)
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.mod_id, ("trivia", "delete"), focused="pack", value=""
    )
    assert [c["value"] for c in choices] == ["Club Quiz"]
