"""Run the real bot against the fake Discord: the end-to-end test bed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import time_machine

from bot.app import DramaBot
from bot.settings import Settings
from tests.fakediscord import FakeDiscord

MANAGE_GUILD = 1 << 5


def make_settings(fake: FakeDiscord, db_path: Path, **overrides: Any) -> Settings:
    """Settings pointing at the fake, ignoring any developer `.env`."""
    values: dict[str, Any] = {
        "discord_token": fake.token,
        "discord_api_url": fake.api_url,
        "discord_gateway_url": fake.gateway_url,
        "database_path": db_path,
        "log_level": "DEBUG",
        "preview_allowed_networks": "127.0.0.2/32",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class BotEnv:
    """A running bot, its fake Discord, and a small world: one guild, a mod and two fans."""

    fake: FakeDiscord
    db_path: Path
    settings_overrides: dict[str, Any]
    guild_id: int = 0
    channel_id: int = 0
    mod_role_id: int = 0
    mod_id: int = 0
    fan_id: int = 0
    fan2_id: int = 0
    bot: DramaBot | None = None
    _task: asyncio.Task[None] | None = None
    _travel: Any = None
    _traveller: Any = None
    extensions: list[str] | None = None
    force_sync: bool = False
    history: list[DramaBot] = field(default_factory=list)

    def build_world(self) -> None:
        """Create the guild, a moderator (Manage Server) and two fans."""
        guild = self.fake.add_guild(name="Drama Club")
        self.guild_id = guild.id
        self.channel_id = guild.default_channel_id
        self.mod_role_id = self.fake.add_role(self.guild_id, "Mods", permissions=MANAGE_GUILD)
        self.mod_id = self.fake.add_member(self.guild_id, name="mod", roles=(self.mod_role_id,))
        self.fan_id = self.fake.add_member(self.guild_id, name="fan")
        self.fan2_id = self.fake.add_member(self.guild_id, name="fan2")

    @property
    def running(self) -> DramaBot:
        """The bot currently running (fails the test if none is)."""
        assert self.bot is not None, "bot is not running"
        return self.bot

    async def start(self, **overrides: Any) -> DramaBot:
        """Start the real bot against the fake and wait until it is ready."""
        settings = make_settings(
            self.fake, self.db_path, **{**self.settings_overrides, **overrides}
        )
        bot = DramaBot(
            settings,
            extensions=self.extensions,
            guild_ready_timeout=0.05,
            force_sync=self.force_sync,
        )
        self.bot = bot
        self.history.append(bot)
        self._task = asyncio.create_task(bot.start(settings.token()))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=15, return_when="FIRST_COMPLETED")
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises the start-up error
            raise AssertionError("bot stopped during start-up")
        if ready not in done:
            ready.cancel()
            raise AssertionError("bot did not become ready within 15 s")
        await self.settle()
        return bot

    async def stop(self) -> None:
        """Close the bot (as a SIGTERM would)."""
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=5)
        self.bot = None
        self._task = None

    async def restart(self, **overrides: Any) -> DramaBot:
        """Stop and start a new bot on the same database file."""
        await self.stop()
        return await self.start(**overrides)

    async def settle(self, rounds: int = 5) -> None:
        """Let pending callbacks and just-woken jobs run."""
        for _ in range(rounds):
            await asyncio.sleep(0.01)

    # -- time -------------------------------------------------------------------------
    def travel_to(self, when: datetime) -> None:
        """Move the wall clock (bot, scheduler and fake alike) to `when`; time keeps ticking."""
        if self._travel is None:
            self._travel = time_machine.travel(when, tick=True)
            self._traveller = self._travel.start()
        else:
            # time-machine 3: move_to lives on the Traveller that start() returns.
            self._traveller.move_to(when, tick=True)

    async def advance_to(self, when: datetime) -> None:
        """Jump the clock to `when` and wake the scheduler so due jobs run now."""
        self.travel_to(when)
        if self.bot is not None:
            self.bot.scheduler.wakeup()
        await self.settle()

    def stop_travel(self) -> None:
        """Return to real time."""
        if self._travel is not None:
            self._travel.stop()
            self._travel = None

    # -- shortcuts --------------------------------------------------------------------
    async def slash(
        self, user_id: int, *path: str, channel_id: int | None = None, **options: Any
    ) -> Any:
        """Invoke a slash command as `user_id` in the default channel."""
        return await self.fake.slash(
            self.guild_id, channel_id or self.channel_id, user_id, *path, options=options
        )

    async def reply(
        self, user_id: int, *path: str, channel_id: int | None = None, **options: Any
    ) -> str:
        """Invoke a slash command and return the text of the bot's answer."""
        itx = await self.slash(user_id, *path, channel_id=channel_id, **options)
        text: str = await itx.reply_text()
        return text


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 5.0) -> None:
    """Bounded wait for the bot to catch up with an event (its handlers run concurrently)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def message_text(message: dict[str, Any]) -> str:
    """Content plus embed titles, descriptions and fields of a message payload."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for item in embed.get("fields") or []:
            parts += [item.get("name") or "", item.get("value") or ""]
        footer = embed.get("footer") or {}
        parts.append(footer.get("text") or "")
    return "\n".join(part for part in parts if part)


def no_pings(payload: dict[str, Any]) -> bool:
    """Whether a send payload forbids every mention."""
    allowed = payload.get("allowed_mentions")
    return allowed is not None and allowed.get("parse") == [] and not allowed.get("roles")
