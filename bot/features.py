"""The feature contract: what each feature tells the bot about itself, in one typed record.

A feature (a cog package) registers one `Feature` when it loads. The bot then does the
rest in one place: per-channel switches and their defaults, help topics, status lines and
problems for `/config show`, clean-up when a channel is deleted, persistent components,
start-up scoped to this process's guilds, and shutdown. Features reach each other only
through typed public APIs (`FeatureRegistry.api(SomeApi)`), never by cog name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.shards import GuildScope

if TYPE_CHECKING:
    from bot.problems import Problems

log = logging.getLogger(__name__)

T = TypeVar("T")
StatusProvider = Callable[[discord.Guild], Awaitable[list[str]]]
ChannelDeleted = Callable[[int, int], Awaitable[None]]  # (guild_id, channel_id)
Starter = Callable[[GuildScope], Awaitable[None]]
Stopper = Callable[[], Awaitable[None]]
DynamicItemType = type[discord.ui.DynamicItem[Any]]


@dataclass(frozen=True)
class HelpTopic:
    """How `/help` presents a feature."""

    title: str
    commands: tuple[str, ...]
    note: str = ""
    order: int = 50


@dataclass(frozen=True)
class ChannelSwitch:
    """A feature moderators switch on or off per channel with `/config channel`.

    `what` completes "…is now on in #channel" help texts ("automatic link previews");
    `reads_messages` says the feature needs the Message Content intent to work there.
    """

    default: bool
    what: str
    reads_messages: bool = False


async def _nothing(*_args: Any) -> None:
    return None


@dataclass(frozen=True)
class Feature:
    """Everything the bot needs to know about one feature."""

    name: str
    help: HelpTopic
    start: Starter = _nothing
    stop: Stopper = _nothing
    switch: ChannelSwitch | None = None
    status: StatusProvider | None = None
    channel_deleted: ChannelDeleted | None = None
    dynamic_items: tuple[DynamicItemType, ...] = ()
    apis: tuple[object, ...] = ()


@dataclass
class FeatureRegistry:
    """The features loaded in this process, in registration order."""

    add_items: Callable[..., None]
    remove_items: Callable[..., None]
    problems: Problems
    _features: dict[str, Feature] = field(default_factory=dict)
    _apis: dict[type[Any], object] = field(default_factory=dict)
    _started: set[str] = field(default_factory=set)

    def register(self, feature: Feature) -> None:
        """Add a feature (its components become live at once)."""
        if feature.name in self._features:
            raise ValueError(f"feature {feature.name!r} is already registered")
        for api in feature.apis:
            self._apis[type(api)] = api
        if feature.dynamic_items:
            self.add_items(*feature.dynamic_items)
        self._features[feature.name] = feature
        log.debug("feature registered", extra={"feature": feature.name})

    async def unregister(self, name: str) -> None:
        """Stop and remove a feature, undoing everything `register` did."""
        feature = self._features.pop(name, None)
        if feature is None:
            return
        if name in self._started:
            self._started.discard(name)
            await feature.stop()
        if feature.dynamic_items:
            self.remove_items(*feature.dynamic_items)
        for api in feature.apis:
            self._apis.pop(type(api), None)

    def __iter__(self) -> Any:
        """The registered features."""
        return iter(list(self._features.values()))

    def get(self, name: str) -> Feature | None:
        """A feature by name."""
        return self._features.get(name)

    def api(self, kind: type[T]) -> T | None:
        """The public API of type `kind` a loaded feature offers, or None if none does."""
        for offered, api in self._apis.items():
            if issubclass(offered, kind):
                return api  # type: ignore[return-value]
        return None

    def switches(self) -> dict[str, ChannelSwitch]:
        """Per-channel switches by feature name."""
        return {f.name: f.switch for f in self._features.values() if f.switch is not None}

    def help_topics(self) -> dict[str, HelpTopic]:
        """Help topics by feature name, in display order."""
        ordered = sorted(self._features.values(), key=lambda f: (f.help.order, f.name))
        return {feature.name: feature.help for feature in ordered}

    async def start(self, scope: GuildScope) -> None:
        """Start every feature not started yet, for the guilds of `scope`."""
        for feature in list(self._features.values()):
            if feature.name in self._started:
                continue
            self._started.add(feature.name)
            try:
                await feature.start(scope)
            except Exception:
                log.exception("feature failed to start", extra={"feature": feature.name})

    async def stop(self) -> None:
        """Stop every started feature, last registered first."""
        for feature in reversed(list(self._features.values())):
            if feature.name not in self._started:
                continue
            self._started.discard(feature.name)
            try:
                await feature.stop()
            except Exception:
                log.exception("feature failed to stop", extra={"feature": feature.name})

    async def status_lines(self, guild: discord.Guild) -> list[str]:
        """Every feature's lines for `/config show` (one failing feature costs only its lines).

        The features are asked at once, not one after the other; their lines keep the
        features' order.
        """
        answers = await asyncio.gather(
            *(
                _lines(feature.name, feature.status, guild)
                for feature in self._features.values()
                if feature.status is not None
            )
        )
        return [line for lines in answers for line in lines]

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """Let every feature let go of a deleted channel, then drop its switches and problems."""
        for feature in self._features.values():
            if feature.channel_deleted is None:
                continue
            try:
                await feature.channel_deleted(guild_id, channel_id)
            except Exception:
                log.exception(
                    "channel clean-up failed",
                    extra={"feature": feature.name, "guild_id": guild_id, "channel_id": channel_id},
                )
        await self.problems.channel_deleted(guild_id, channel_id)


async def _lines(name: str, status: StatusProvider, guild: discord.Guild) -> list[str]:
    try:
        return await status(guild)
    except Exception:
        log.exception("status provider failed", extra={"feature": name, "guild_id": guild.id})
        return []
