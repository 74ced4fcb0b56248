"""Helpers shared by the day-in-the-life scenarios."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Collection, Iterator
from typing import Any

from tests.fakediscord.server import Recorded
from tests.harness import BotEnv

SEND_PATHS = re.compile(
    r"/channels/\d+/messages(/\d+)?|/webhooks/\d+/[^/]+(/messages/[^/]+)?"
    r"|/interactions/\d+/[^/]+/callback"
)
CALLBACKS_WITH_MESSAGE = {4, 7}  # channel message, update message


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 5.0) -> None:
    """Bounded wait for the bot to catch up with an event."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def posts(env: BotEnv, channel_id: int, after: int = 0) -> list[Recorded]:
    """Messages the bot created in `channel_id` (requests from index `after`)."""
    path = f"/channels/{channel_id}/messages"
    return [r for r in env.fake.requests[after:] if r.method == "POST" and r.path == path]


def sent_payloads(env: BotEnv) -> Iterator[tuple[Recorded, dict[str, Any]]]:
    """Every message body the bot sent or edited: posts, edits, followups, replies."""
    for rec in env.fake.requests:
        if rec.method not in ("POST", "PATCH") or not SEND_PATHS.fullmatch(rec.path):
            continue
        body = rec.json
        if not isinstance(body, dict):
            continue
        if rec.path.endswith("/callback"):
            if body.get("type") not in CALLBACKS_WITH_MESSAGE:
                continue
            body = body.get("data") or {}
        if "content" in body or "embeds" in body:
            yield rec, body


def assert_nothing_pings(env: BotEnv, *, except_roles: Collection[int] = ()) -> int:
    """Every send forbids pings; an announcement may ping its one role. Returns the count."""
    count = 0
    for rec, body in sent_payloads(env):
        count += 1
        allowed = body.get("allowed_mentions")
        where = f"{rec.method} {rec.path}: {str(body.get('content'))[:80]!r}"
        assert allowed is not None, f"no allowed_mentions on {where}"
        assert allowed.get("parse") == [], where
        assert not allowed.get("users"), where
        assert not allowed.get("replied_user"), where
        roles = [int(r) for r in allowed.get("roles") or []]
        if roles:
            assert len(roles) == 1, where
            assert roles[0] in except_roles, where
            assert (body.get("content") or "").startswith(f"<@&{roles[0]}> "), where
    return count


def member_roles(env: BotEnv, user_id: int) -> list[int]:
    """The fake's view of a member's roles."""
    return list(env.fake.guilds[env.guild_id].members[user_id].roles)


async def votes(env: BotEnv, poll_id: int) -> list[tuple[int, int]]:
    """(user, option position) of a poll's stored votes, sorted."""
    rows = await env.running.db.fetch_all(
        "SELECT user_id, position FROM poll_votes WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    return sorted((row["user_id"], row["position"]) for row in rows)


async def wait_votes(env: BotEnv, poll_id: int, expected: list[tuple[int, int]]) -> None:
    """Wait until the poll's stored votes are exactly `expected`."""

    async def check() -> bool:
        return await votes(env, poll_id) == sorted(expected)

    await until(check, f"votes {expected} on poll {poll_id}")
