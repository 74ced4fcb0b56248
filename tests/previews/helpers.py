"""Helpers shared by the preview tests: the test sites, what Discord saw, the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp.test_utils import TestServer

from cogs.previews.store import PreviewStore
from tests.harness import BotEnv

MOODS = ["❤️", "😂", "😮", "😢", "😡"]
OG_TITLE = "Song Hye Kyo Confirmed For New Drama & More"


@dataclass
class Site:
    """The article server (allowed through PREVIEW_ALLOWED_NETWORKS) and the internal one."""

    article: TestServer
    internal: TestServer
    hits: dict[str, int] = field(default_factory=dict)
    internal_hits: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.2:{self.article.port}{path}"

    def internal_url(self, path: str = "/admin") -> str:
        return f"http://127.0.0.1:{self.internal.port}{path}"


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


def store_of(env: BotEnv) -> PreviewStore:
    """The previews store over the running bot's database, for what no command shows."""
    return PreviewStore(env.running.db, env.running.clock)


async def mood_poll_of(env: BotEnv, message_id: int) -> int | None:
    """The id of the poll under a preview, as `/poll list` shows it to a fan; None if none."""
    text = await env.reply(env.fan_id, "poll", "list")
    for line in text.splitlines():
        if line.rstrip().endswith(f"/{message_id}"):
            found = re.search(r"#(\d+)", line)
            return int(found[1]) if found else None
    return None
