"""Bare discord.py clients for the fake's self-tests: start, wait until ready, stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl

from tests.fakediscord import FakeDiscord


def point_discord_py_at(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """What bot/app.py does with the settings: REST base and gateway of the fake."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )


class NoWaitMixin:
    """No waiting the fake does not need: 5 s between shard IDENTIFYs, 2 s for more guilds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("guild_ready_timeout", 0.05)
        super().__init__(*args, **kwargs)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class ShardedClient(NoWaitMixin, discord.AutoShardedClient):
    pass


class PlainClient(NoWaitMixin, discord.Client):
    pass


def intents() -> discord.Intents:
    chosen = discord.Intents.default()
    chosen.message_content = True
    return chosen


@contextlib.asynccontextmanager
async def running(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Run ``client`` until the block ends; ready means every shard got its guilds."""
    task = asyncio.create_task(client.start(fake.token))
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=10, return_when="FIRST_COMPLETED")
        if task in done:
            ready.cancel()
            task.result()
            raise AssertionError("client stopped during start-up")
        assert ready in done, "client not ready within 10 s"
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, discord.ConnectionClosed):
            await asyncio.wait_for(task, 5)


async def rest(fake: FakeDiscord, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One authorised REST call as a bot would make it: (status, JSON body or None)."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, fake.api_url + path, json=body, headers=headers) as resp,
    ):
        text = await resp.text()
        return resp.status, json.loads(text) if text else None


class RawGateway:
    """A hand-driven gateway connection, for close codes and RESUME replays."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seq = 0
        self.session_id = ""

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=timeout)
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"gateway sent {msg.type} {msg.data!r}")
        payload: dict[str, Any] = json.loads(msg.data)
        if payload.get("s"):
            self.seq = payload["s"]
        return payload

    async def until(self, event: str) -> dict[str, Any]:
        """The next dispatch called ``event`` (others before it are skipped)."""
        while True:
            payload = await self.receive()
            if payload.get("t") == event:
                return payload

    async def ready(self) -> dict[str, Any]:
        """READY and the GUILD_CREATE of each of its guilds; returns READY's data."""
        ready: dict[str, Any] = (await self.until("READY"))["d"]
        self.session_id = ready["session_id"]
        for _ in ready["guilds"]:
            await self.until("GUILD_CREATE")
        return ready

    async def identify(self, token: str, **extra: Any) -> None:
        await self.receive()  # HELLO
        data = {"token": token, "intents": 1 | (1 << 9), "properties": {}, **extra}
        await self.ws.send_json({"op": 2, "d": data})

    async def close_code(self) -> int | None:
        msg = await self.ws.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
        return self.ws.close_code


@contextlib.asynccontextmanager
async def raw_gateway(fake: FakeDiscord) -> AsyncIterator[RawGateway]:
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        yield RawGateway(ws)
