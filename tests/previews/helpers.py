"""Helpers shared by the preview end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from tests.harness import BotEnv

MOODS = ["❤️", "😂", "😮", "😢", "😡"]
OG_TITLE = "Song Hye Kyo Confirmed For New Drama & More"


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def enable(env: BotEnv) -> None:
    text = await env.reply(
        env.mod_id, "config", "channel", feature="previews", channel=env.channel_id, state="on"
    )
    assert "on" in text, text


def previews_sent(env: BotEnv, after: int = 0) -> list[Any]:
    return [
        rec
        for rec in env.fake.requests[after:]
        if rec.method == "POST"
        and rec.path == f"/channels/{env.channel_id}/messages"
        and rec.json
        and rec.json.get("embeds")
    ]


def reactions_on(env: BotEnv, message_id: int) -> list[str]:
    return [
        unquote(rec.path.split("/reactions/")[1].split("/")[0])
        for rec in env.fake.requests
        if rec.method == "PUT" and f"/messages/{message_id}/reactions/" in rec.path
    ]


async def post_and_wait_preview(env: BotEnv, content: str) -> tuple[dict[str, Any], Any]:
    before = len(env.fake.requests)
    source = await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, content)
    rec = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages$", after=before
    )
    return source, rec
