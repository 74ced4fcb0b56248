"""A shutdown (SIGTERM) while fans are mid-action: work in flight finishes, nothing errors."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.harness import BotEnv
from tests.integration.common import until
from tests.integration.conftest import NewsSite

ARTICLE = """<html><head><meta property="og:title" content="Secretary Kim ratings soar">
</head><body></body></html>"""


async def test_shutdown_lets_a_preview_in_flight_finish(
    env: BotEnv, news: NewsSite, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    text = await env.reply(
        env.mod_id, "config", "channel", feature="previews", channel=env.channel_id, state="on"
    )
    assert "on" in text
    url = news.publish("/slow", ARTICLE)
    news.gate = asyncio.Event()
    start = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, url)

    async def fetching() -> bool:
        return news.hits.get("/slow") == 1

    await until(fetching, "the article being fetched")
    stopping = asyncio.create_task(env.stop())  # SIGTERM while the page is still loading
    await asyncio.sleep(0.05)
    news.gate.set()
    await asyncio.wait_for(stopping, timeout=8)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]
    posted = env.fake.find_requests("POST", f"/channels/{env.channel_id}/messages")
    assert [r.status for r in posted if env.fake.requests.index(r) >= start] == [200]
