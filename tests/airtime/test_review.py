"""Review findings, end to end: odd names, out-of-range moves and specials."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.harness import BotEnv


async def exceptions(env: BotEnv) -> list[tuple[Any, ...]]:
    rows = await env.running.db.fetch_all("SELECT * FROM airtime_exceptions")
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("name", ["²", "9" * 30, "١٢"])
async def test_odd_drama_names_get_a_clear_answer(env: BotEnv, name: str) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    itx = await env.slash(env.fan_id, "airtime", "next", drama=name)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "tracks no drama called" in text


@pytest.mark.parametrize(
    "options",
    [
        {"move_episode": 3, "move_to": "0001-01-01 00:00"},
        {"move_episode": 3, "move_to": "9999-12-31 23:59"},
        {"move_episode": 3, "move_to": "1970-01-01 10:00"},
        {"special_at": "0001-01-01 08:59"},
        {"special_at": "2090-01-01 21:00"},
    ],
)
async def test_moves_and_specials_far_from_now_are_refused(
    env: BotEnv, options: dict[str, Any]
) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    itx = await env.slash(env.mod_id, "drama", "edit", drama="Secretary Kim", **options)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "must be between" in text
    assert await exceptions(env) == []
