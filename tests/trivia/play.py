"""Moves the trivia end-to-end tests share: start a game, read its buttons, upload a pack."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cogs.trivia.keys import FEATURE
from tests.harness import BotEnv

START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PACK = "Secretary Kim"


async def start_game(env: BotEnv, user_id: int, **options: Any) -> tuple[str, Any]:
    """/trivia start in the default channel: the intro's text and the first question's post."""
    before = len(env.fake.requests)
    itx = await env.slash(user_id, "trivia", "start", **options)
    intro = await itx.reply_text()
    question = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    return intro, question


def button_ids(payload: dict[str, Any]) -> list[str]:
    """The custom_ids of a message's buttons, in order."""
    return [c["custom_id"] for row in payload.get("components") or [] for c in row["components"]]


async def game_row(env: BotEnv) -> Any:
    """The newest game's row."""
    return await env.running.db.fetch_one(
        "SELECT * FROM trivia_games ORDER BY game_id DESC LIMIT 1"
    )


def runner(env: BotEnv) -> Any:
    """The running bot's trivia games (for tests that hold a game's lock or look inside).

    Found through the registered feature, not by importing the service's class: each bot
    (re)loads the extension, and with it a class of its own.
    """
    feature = env.running.features.get(FEATURE)
    assert feature is not None
    return feature.apis[0].runner


async def import_pack(env: BotEnv, user_id: int, name: str, data: bytes) -> Any:
    """/trivia import of a YAML file; the interaction, to read its answer."""
    return await env.slash(user_id, "trivia", "import", file=(name, data, "application/x-yaml"))
