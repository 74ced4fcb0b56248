"""Spoiler guard end to end: the exact air instant, a pre-empted broadcast, no tracking."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.trivia.library import shipped_packs
from tests.harness import BotEnv

PACK = "Secretary Kim"
# Episode 5 (the first famous kiss) airs Wed 2018-06-20 21:30 KST = 12:30 UTC, 70 minutes.
EP5_AIRS = datetime(2018, 6, 20, 12, 30, tzinfo=UTC)


async def _asked_episodes(env: BotEnv) -> set[int | None]:
    itx = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=50, mode="typed")
    assert "started" in await itx.reply_text()
    row: Any = await env.running.db.fetch_one(
        "SELECT plan FROM trivia_games ORDER BY game_id DESC LIMIT 1"
    )
    questions = shipped_packs()["secretary kim"].questions
    episodes = {questions[item["q"]].episode for item in json.loads(row["plan"])}
    assert "stopped" in await env.reply(env.fan_id, "trivia", "stop")
    return episodes


async def test_an_episode_counts_as_aired_only_once_its_broadcast_is_over(env: BotEnv) -> None:
    await env.advance_to(EP5_AIRS - timedelta(hours=1))
    assert "Added" in await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    for when in (EP5_AIRS, EP5_AIRS + timedelta(minutes=1), EP5_AIRS + timedelta(minutes=69)):
        await env.advance_to(when)
        assert 5 not in await _asked_episodes(env), when
    await env.advance_to(EP5_AIRS + timedelta(hours=2))
    assert await _asked_episodes(env) == {None, 5}


async def test_a_pre_empted_broadcast_keeps_its_scene_back(env: BotEnv) -> None:
    await env.advance_to(EP5_AIRS - timedelta(days=1))
    assert "Added" in await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    skip = await env.slash(
        env.mod_id, "drama", "skip", drama=PACK, date="2018-06-20", reason="football"
    )
    await skip.reply_text()
    # The evening after the pre-empted slot, episode 5 has still not aired.
    await env.advance_to(EP5_AIRS + timedelta(hours=6))
    assert 5 not in await _asked_episodes(env)


async def test_no_guard_for_a_drama_the_server_does_not_track(env: BotEnv) -> None:
    await env.advance_to(EP5_AIRS - timedelta(days=30))
    assert await _asked_episodes(env) == {None, 5, 8, 9, 12}
