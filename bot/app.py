"""The Bot subclass: start-up order, cog loading, command sync and the intents fallback."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path
from typing import Any, cast

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.clock import Clock, SystemClock
from bot.db import Database, StorageGone
from bot.features import FeatureRegistry
from bot.guild_settings import GuildSettings
from bot.health import HealthReporter
from bot.invite import invite_url
from bot.migrate import migrate
from bot.outbox import Outbox
from bot.replies import NO_PINGS
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.shards import GuildScope
from bot.text import plural
from bot.tree import DramaTree

log = logging.getLogger(__name__)

COGS_DIR = Path(__file__).resolve().parent.parent / "cogs"
# discord.py names each event handler's task "discord.py: <event>", and the tasks running a
# button's callback "discord-ui-view-dispatch-..." / "discord-ui-dynamic-item-...".
HANDLER_TASKS = ("discord.py: ", "discord-ui-")
SHUTDOWN_GRACE_SECONDS = 5.0
REST_CONNECTIONS = 128  # REST connections open at once; more requests wait for a free one
STORAGE_CHECK_SECONDS = 15.0

MESSAGE_CONTENT_HELP = (
    "The Message Content intent is not enabled for this application, so I connect without "
    "it. Typed trivia answers and automatic link previews are off until the bot's owner "
    "enables 'Message Content Intent' under Bot > Privileged Gateway Intents in the Discord "
    "Developer Portal, or sets MESSAGE_CONTENT_INTENT=false to silence this."
)


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py's REST base and gateway at the configured URLs.

    discord.py builds every REST URL (webhooks and interaction callbacks included) from
    `Route.BASE`; shards open `DiscordWebSocket.DEFAULT_GATEWAY` once the shard count is
    known. Resumes go to READY's `resume_gateway_url`, which `DramaBot` overrides when the
    gateway is custom (see `_steer_resumes`).
    """
    discord.http.Route.BASE = settings.discord_api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def build_intents(message_content: bool) -> discord.Intents:
    """Only what the features need: guilds, guild messages and reactions; no members/presence."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    intents.message_content = message_content
    return intents


def discover_cog_packages(directory: Path = COGS_DIR) -> list[str]:
    """Extension names of every cog package (a folder with an `__init__.py`) under `cogs/`."""
    return [
        f"cogs.{path.parent.name}"
        for path in sorted(directory.glob("*/__init__.py"))
        if not path.parent.name.startswith("_")
    ]


class DramaBot(commands.AutoShardedBot):
    """dramabot: owns the database, the scheduler, the clock and the features' registry.

    Always Discord's own sharding: `SHARD_COUNT`/`SHARD_IDS` pick this process's shards;
    without them discord.py asks Discord how many shards to run, all in this process.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        extensions: list[str] | None = None,
        guild_ready_timeout: float = 2.0,
        force_sync: bool = False,
    ) -> None:
        """Build the bot; nothing connects until `start()`."""
        configure_endpoints(settings)
        # dramabot has no voice features; the warnings about voice libraries are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=build_intents(settings.message_content_intent),
            tree_cls=DramaTree,
            allowed_mentions=NO_PINGS,
            help_command=None,
            guild_ready_timeout=guild_ready_timeout,
            shard_count=settings.shard_count,
            shard_ids=sorted(settings.guild_scope.shard_ids) if settings.shard_count else None,  # type: ignore[arg-type]
        )
        self.settings = settings
        self.scope: GuildScope = settings.guild_scope
        self.clock: Clock = clock or SystemClock()
        self.db = Database(settings.database_target)
        self.scheduler = Scheduler()
        self.guild_settings = GuildSettings(
            self.db, self.clock, defaults=lambda: self._switch_defaults(), owns=self.scope.owns
        )
        self.features = FeatureRegistry(
            add_items=self.add_dynamic_items,
            remove_items=self.remove_dynamic_items,
            problems=self.guild_settings.problem_table,
        )
        self.health = HealthReporter(settings.health_path, self)
        self.outbox = Outbox(self.db, self.clock)
        self.message_content_enabled = settings.message_content_intent
        self.storage_failure: str | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self.failed_extensions: dict[str, str] = {}
        self._extensions_to_load = extensions
        self.force_sync = force_sync
        self.synced_commands: list[discord.app_commands.AppCommand] = []

    async def login(self, token: str) -> None:
        """Log in over REST, through a bounded pool of reusable connections."""
        if self.http.connector is discord.utils.MISSING:
            # discord.py's default pool is unbounded: a burst of 2,000 button clicks opened
            # 2,000 connections to answer them. Bounded, the answers queue for warm
            # connections instead, which costs the bot a quarter less CPU per click (bench/
            # trivia.py) and, against Discord, far fewer TLS handshakes.
            self.http.connector = aiohttp.TCPConnector(limit=REST_CONNECTIONS)
        await super().login(token)

    def _switch_defaults(self) -> dict[str, bool]:
        return {name: switch.default for name, switch in self.features.switches().items()}

    async def setup_hook(self) -> None:
        """Open and migrate the database, start the scheduler, load and start features, sync.

        Owed notices start going out as soon as the cogs are loaded: over REST, before the
        gateway is connected, so a crash later in start-up cannot keep them back.
        """
        await self.db.connect()
        await migrate(self.db)
        self.health.start()
        self.scheduler.start()
        self._watchdog = asyncio.create_task(self._watch_storage(), name="storage watchdog")
        await self._check_message_content()
        await self.load_cogs()
        log.info("starting features", extra={"scope": self.scope.describe()})
        await self.features.start(self.scope)
        self.outbox.start(self.scope)
        if self.scope.owns_commands:
            await self.sync_commands()
        else:
            log.info("commands are uploaded by the process that runs shard 0")

    async def launch_shards(self) -> None:
        """Ask Discord for the shard count when none is set, but connect where configured."""
        # discord.py types shard_count as int, but it is None until Discord was asked.
        if cast("int | None", self.shard_count) is None:
            count, url, _limits = await self.http.get_bot_gateway()
            self.shard_count = count
            if not self.settings.gateway_is_custom:
                discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
            log.info("shard count from Discord", extra={"shard_count": count})
        await super().launch_shards()

    async def _check_message_content(self) -> None:
        """Drop the Message Content intent before connecting when the application lacks it.

        Discord closes the gateway (4014) on a privileged intent the Developer Portal has
        not enabled; the application's flags say so in advance, so the bot asks only for
        what it may have and tells the owner how to enable the rest.
        """
        if not self._connection._intents.message_content:
            return
        info = await self.application_info()
        flags = info.flags
        if flags.gateway_message_content or flags.gateway_message_content_limited:
            return
        log.warning(MESSAGE_CONTENT_HELP)
        # The state's intents are what IDENTIFY sends; the public property is a copy.
        self._connection._intents.message_content = False
        self.message_content_enabled = False

    async def _watch_storage(self) -> None:
        """Stop the bot if its database file is deleted or replaced under it.

        Writes into a deleted SQLite file succeed and vanish at the next restart; stopping
        (with a critical log line and a non-zero exit) is the only honest answer.
        """
        while True:
            await asyncio.sleep(STORAGE_CHECK_SECONDS)
            try:
                await self.db.verify()
            except StorageGone as error:
                self.storage_failure = str(error)
                log.critical("database lost; stopping: %s", error)
                asyncio.get_running_loop().create_task(self.close())
                return

    async def load_cogs(self) -> None:
        """Load every cog package; one that fails is logged and the rest still load."""
        names = self._extensions_to_load
        if names is None:
            names = discover_cog_packages()
        for name in names:
            try:
                await self.load_extension(name)
            except Exception as error:
                self.failed_extensions[name] = repr(error)
                log.exception("cog failed to load", extra={"cog": name})
            else:
                log.info("cog loaded", extra={"cog": name})

    async def sync_commands(self) -> None:
        """Register slash commands: instantly to DEV_GUILD_ID when set, else globally.

        Discord rate-limits command uploads, so an unchanged tree (same hash as the last
        successful sync to the same place) is not uploaded again unless `force_sync` is set.
        """
        dev_guild = self.settings.dev_guild_id
        guild = discord.Object(id=dev_guild) if dev_guild is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"command_sync:{dev_guild or 'global'}"
        if not self.force_sync and await self._state_get(key) == digest:
            log.info("commands unchanged; sync skipped", extra={"dev_guild_id": dev_guild})
            return
        self.synced_commands = await self.tree.sync(guild=guild)
        await self._state_set(key, digest)
        log.info(
            "commands synced",
            extra={"count": len(self.synced_commands), "dev_guild_id": dev_guild},
        )

    async def _state_get(self, key: str) -> str | None:
        value = await self.db.fetch_value(
            "SELECT value FROM bot_state WHERE key = :key", {"key": key}
        )
        return None if value is None else str(value)

    async def _state_set(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO bot_state (key, value) VALUES (:key, :value) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"key": key, "value": value},
        )

    async def on_ready(self) -> None:
        """Report health, log the connection and the invite URL; keep resumes on our gateway."""
        self._steer_resumes()
        await self.health.connected()
        user_id = self.user.id if self.user else None
        invite = invite_url(self.application_id) if self.application_id else None
        log.info(
            "ready",
            extra={
                "user_id": user_id,
                "guilds": len(self.guilds),
                "scope": self.scope.describe(),
                "invite": invite,
            },
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        """Keep each shard's resumes on a custom gateway."""
        self._steer_resumes()

    async def on_resumed(self) -> None:
        """Report health; keep resumes on a custom gateway after a resume as well."""
        self._steer_resumes()
        await self.health.connected()

    async def on_disconnect(self) -> None:
        """Report the lost connection (discord.py reconnects by itself)."""
        await self.health.disconnected()

    def _steer_resumes(self) -> None:
        # READY names Discord's own resume host; an operator's proxy (or the test fake)
        # must see resumes too, so the configured gateway wins when it is not the default.
        if not self.settings.gateway_is_custom:
            return
        for shard in self.shards.values():
            websocket = shard._parent.ws
            if websocket is not None:
                websocket.gateway = yarl.URL(self.settings.discord_gateway_url)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """Every feature lets go of a deleted channel; its switches and problems go too."""
        guild_id = channel.guild.id
        await self.features.channel_deleted(guild_id, channel.id)
        await self.guild_settings.forget_channel(guild_id, channel.id)
        log.info("channel forgotten", extra={"guild_id": guild_id, "channel_id": channel.id})

    async def close(self) -> None:
        """Stop the scheduler, let handlers in flight finish, stop features, disconnect, close."""
        if self._watchdog is not None and self._watchdog is not asyncio.current_task():
            self._watchdog.cancel()
        self.scheduler.shutdown()
        await self._drain_handlers()
        await self.outbox.stop()
        await self.features.stop()
        await super().close()
        await self.health.stopped()
        await self.db.close()
        log.info("bot closed")

    async def _drain_handlers(self) -> None:
        """Wait (bounded) for event handlers already running, e.g. a preview being fetched.

        Without this they would meet a closed HTTP session and database half-way and log
        errors (or leave half-made work behind) on every restart; a trivia click received
        just before SIGTERM would be neither saved nor answered.
        """
        current = asyncio.current_task()
        running = [
            task
            for task in asyncio.all_tasks()
            if task is not current and not task.done() and task.get_name().startswith(HANDLER_TASKS)
        ]
        if running:
            _, late = await asyncio.wait(running, timeout=SHUTDOWN_GRACE_SECONDS)
            if late:
                log.warning("closing with %s still running", plural(len(late), "event handler"))

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Log listener failures with the event name; never crash the bot."""
        log.exception("event handler failed", extra={"event": event_method})
