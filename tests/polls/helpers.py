"""Helpers shared by the poll tests that run the real bot: create, react, read votes, wait."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, cast

from tests.fakediscord.state import emoji_key
from tests.harness import BotEnv, until

if TYPE_CHECKING:
    from cogs.polls.service import PollService

A, B, C = "🇦", "🇧", "🇨"
FIRE, KISS = "🔥", "💋"


def polls_service(env: BotEnv) -> PollService:
    """The running bot's polls service: the object the feature registered as its API.

    (Found by the feature's name: each start loads the extension's modules afresh, so a
    class imported by a test module may not be the running bot's.)
    """
    feature = env.running.features.get("polls")
    assert feature is not None, "polls are not loaded"
    return cast("PollService", feature.apis[0])


async def create(
    env: BotEnv, user_id: int | None = None, **options: Any
) -> tuple[int, dict[str, Any]]:
    """Create a poll (its reactions are on when the bot says it is up); id and message."""
    before = len(env.fake.requests)
    itx = await env.slash(user_id or env.fan_id, "poll", "create", **options)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    up = re.match(r"Poll #(\d+) is up", text)
    assert up is not None, text
    post = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages$", after=before
    )
    message: dict[str, Any] = post.response
    assert f"Poll #{up[1]}" in message["embeds"][0]["title"]
    return int(up[1]), message


def post_payload(env: BotEnv, message: dict[str, Any]) -> dict[str, Any]:
    """The JSON the bot sent to create `message`."""
    for rec in env.fake.find_requests("POST", r"/channels/\d+/messages"):
        if rec.response and rec.response.get("id") == message["id"]:
            payload: dict[str, Any] = rec.json
            return payload
    raise AssertionError("message was not posted by the bot")


async def votes(env: BotEnv, poll_id: int) -> list[tuple[int, int]]:
    """(voter, option position) rows in the database, in the order they were written."""
    rows = await env.running.db.fetch_all(
        "SELECT user_id, position FROM poll_votes WHERE poll_id = :poll_id ORDER BY vote_id",
        {"poll_id": poll_id},
    )
    return [(row["user_id"], row["position"]) for row in rows]


def wait_votes(env: BotEnv, poll_id: int, expected: list[tuple[int, int]]) -> Awaitable[None]:
    """Wait (bounded) until the stored votes are exactly `expected` (in any order)."""

    async def check() -> bool:
        return sorted(await votes(env, poll_id)) == sorted(expected)

    return until(check, f"votes {expected}")


def held_reactions(env: BotEnv, message: dict[str, Any], emoji: list[str]) -> set[tuple[int, int]]:
    """(fan, option position) for every reaction fans hold on the message in the fake."""
    per_message = env.fake.world.reactions.get(int(message["id"]), {})
    bot = env.fake.bot_user_id
    return {
        (user, position)
        for position, form in enumerate(emoji)
        for user in per_message.get(emoji_key(form), [])
        if user != bot
    }


async def wait_for_reactions(
    env: BotEnv, message: dict[str, Any], emoji: list[str], expected: set[tuple[int, int]]
) -> None:
    """Wait (bounded) until fans hold exactly `expected` reactions on the message."""

    async def check() -> bool:
        return held_reactions(env, message, emoji) == expected

    await until(check, f"reactions {sorted(expected)}")


def removals_of(env: BotEnv, user_id: int, form: str, after: int) -> list[str]:
    """Paths of the bot's requests (from index `after`) that removed a fan's reaction."""
    suffix = f"/reactions/{form}/{user_id}"
    return [
        r.path
        for r in env.fake.requests[after:]
        if r.method == "DELETE" and r.path.endswith(suffix)
    ]


async def react(env: BotEnv, message: dict[str, Any], user_id: int, emoji: str) -> None:
    """A fan adds a reaction (the gateway event is parsed by the bot before this returns)."""
    await env.fake.add_reaction(env.guild_id, env.channel_id, int(message["id"]), user_id, emoji)


async def unreact(env: BotEnv, message: dict[str, Any], user_id: int, emoji: str) -> None:
    """A fan takes a reaction back."""
    await env.fake.remove_reaction(env.guild_id, env.channel_id, int(message["id"]), user_id, emoji)
