"""The previews feature's front door: automatic previews, on-demand cards, settings, upkeep.

The cog turns Discord events and commands into calls here (ids and values) and the
results into replies; nothing else in the feature is reached from outside.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.app import DramaBot
from bot.errors import InvalidInput, MissingBotPermission, NotFound, RateLimited
from bot.ratelimit import SlidingWindow
from bot.shards import GuildScope
from cogs.previews.api import NAME, PreviewPosts
from cogs.previews.fetch import Fetcher
from cogs.previews.parser import ParserPool
from cogs.previews.pipeline import Preview, Previewer, PreviewRefused
from cogs.previews.posting import CHANNEL_PROBLEMS, Card, PreviewPoster
from cogs.previews.render import describe_policy, status_lines
from cogs.previews.store import DomainMode, DomainPolicy, GuildPolicy, PreviewStore
from cogs.previews.urls import UnsafeURL, parse_domain

log = logging.getLogger(__name__)

USER_LIMIT = 5  # /preview and the menu, per fan per USER_WINDOW
USER_WINDOW = 60.0
AUTO_LIMIT = 6  # automatic previews per fan per AUTO_WINDOW; more links are skipped
AUTO_WINDOW = 60.0


@dataclass(frozen=True)
class PreviewRequest:
    """A /preview or menu request that passed every check needing no network."""

    links: tuple[str, ...]
    guild_id: int | None
    policy: GuildPolicy | None


class PreviewService(PreviewPosts):
    """Everything the previews feature does, for its cog, its button and the bot's core."""

    def __init__(self, bot: DramaBot, parser: ParserPool | None = None) -> None:
        """Build the store, the fetcher, the page pipeline and the poster."""
        self._bot = bot
        self._store = PreviewStore(bot.db, bot.clock, bot.scope.owns)
        self._fetcher = Fetcher(bot.settings.preview_allowed_networks)
        self._parser = parser or ParserPool()
        self._previewer = Previewer(self._fetcher, self._store, self._parser)
        self._problems = bot.guild_settings.problem_table.of(NAME)
        self._poster = PreviewPoster(bot, self._store, self._problems)
        self._user_limit = SlidingWindow(USER_LIMIT, USER_WINDOW)
        self._auto_limit = SlidingWindow(AUTO_LIMIT, AUTO_WINDOW)
        self._warming: asyncio.Task[None] | None = None

    # -- life cycle -------------------------------------------------------------------
    async def start(self, scope: GuildScope) -> None:
        """Warm the page parsers in the background (previews keep nothing per guild)."""
        self._warming = asyncio.create_task(self._warm(), name="previews: warm page parsers")

    async def _warm(self) -> None:
        # Now, while the bot connects, not after READY: the first link can come with READY.
        # A worker is a small process (~0.1 s of CPU to start) and the bot does not wait
        # for it, so the bot's own start-up is not slowed.
        try:
            await self._parser.warm()
        except Exception:
            log.exception("page parsers did not warm up; they start on first use")

    async def stop(self) -> None:
        """Stop warming, close the HTTP session and stop the page parsers."""
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
            self._warming = None
        await self._fetcher.close()
        await self._parser.close()

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """Forget a deleted channel's previews and its problems.

        The core forgets problems that name their channel; these keys also clear the ones
        reported before problems named one.
        """
        await self._store.forget_channel(guild_id, channel_id)
        for key in CHANNEL_PROBLEMS:
            await self._problems.clear(guild_id, key(channel_id))

    async def status_lines(self, guild: discord.Guild) -> list[str]:
        """Lines for /config show."""
        policy = await self._store.policy(guild.id)
        return status_lines(policy, message_content=self._bot.message_content_enabled)

    # -- automatic previews -----------------------------------------------------------
    async def answer_message(self, message: discord.Message, links: Sequence[str]) -> None:
        """Preview a fan's links where previews are on, within the fan's rate limit."""
        guild = message.guild
        if guild is None or not await self._enabled_here(guild.id, message.channel):
            return
        if await self._store.already_previewed(message.id):
            return
        if not await self._poster.can_post(guild, message.channel):
            return  # checked before fetching: no point reading pages we cannot show
        now = time.monotonic()
        allowed = [
            link for link in links if self._auto_limit.retry_after(message.author.id, now) == 0
        ]
        if not allowed:
            log.info("automatic previews skipped: rate limit", extra={"guild_id": guild.id})
            return
        policy = await self._store.policy(guild.id)
        for result in await self._fetch(allowed, policy):
            if isinstance(result, Preview):
                await self._poster.reply(message, await self._poster.card(guild.id, result, policy))
            else:
                _log_skip(result, guild.id, message.channel.id)

    async def _enabled_here(self, guild_id: int, channel: Any) -> bool:
        """Previews on in this channel, or (for a thread) in its parent channel."""
        channel_ids = [channel.id]
        if isinstance(channel, discord.Thread) and channel.parent_id:
            channel_ids.append(channel.parent_id)
        settings = self._bot.guild_settings
        for channel_id in channel_ids:
            if await settings.feature_enabled(guild_id, channel_id, NAME):
                return True
        return False

    async def _fetch(
        self, links: Sequence[str], policy: GuildPolicy | None
    ) -> list[Preview | BaseException]:
        return await asyncio.gather(
            *(self._previewer.preview(link, policy) for link in links), return_exceptions=True
        )

    # -- /preview and the menu --------------------------------------------------------
    async def request(
        self, user_id: int, guild_id: int | None, links: Sequence[str]
    ) -> PreviewRequest:
        """Check a fan's request with no network: their rate limit, the links, the policy.

        Raises:
            RateLimited: the fan asked too often.
            InvalidInput: no link can be previewed (the first link's reason).
        """
        retry = self._user_limit.retry_after(user_id, time.monotonic())
        if retry > 0:
            raise RateLimited(f"Slow down a little: try again in {retry:.0f} s.")
        policy = None if guild_id is None else await self._store.policy(guild_id)
        problems = [self._previewer.quick_problem(link, policy) for link in links]
        fine = [link for link, problem in zip(links, problems, strict=True) if problem is None]
        if not fine:
            raise InvalidInput(problems[0] or "That link cannot be previewed.")
        return PreviewRequest(tuple(fine), guild_id, policy)

    async def cards(self, request: PreviewRequest, channel_id: int | None) -> list[Card]:
        """Fetch the request's pages; the cards of those that could be previewed.

        Raises:
            PreviewRefused: none could; the first one's reason, for the fan.
        """
        results = await self._fetch(request.links, request.policy)
        previews = [result for result in results if isinstance(result, Preview)]
        if not previews:
            failure = next(result for result in results if isinstance(result, BaseException))
            if isinstance(failure, PreviewRefused):
                _log_skip(failure, request.guild_id, channel_id)
            raise failure
        return [await self._poster.card(request.guild_id, p, request.policy) for p in previews]

    async def followed_up(
        self, card: Card, sent: discord.WebhookMessage, channel: Any, user_id: int
    ) -> None:
        """A card was posted as `user_id`'s command answer: record it, put its poll under it."""
        await self._poster.followed_up(card, sent, channel, user_id)

    async def forget_post(self, message_id: int) -> None:
        """See `PreviewPosts.forget_post`."""
        await self._store.forget_post(message_id)

    # -- moderator settings -----------------------------------------------------------
    async def set_domain_mode(self, guild_id: int, mode: DomainMode) -> None:
        """Preview every public site but denied ones, or only allowed ones."""
        await self._store.set_domain_mode(guild_id, mode)

    async def set_domain(
        self, guild_id: int, text: str, policy: DomainPolicy, moderator_id: int
    ) -> str:
        """Put a site (a domain or a link) on a list; return the domain as stored.

        Raises:
            InvalidInput: not a domain, or the lists are full.
        """
        domain = _domain(text)
        if not await self._store.set_domain(guild_id, domain, policy, moderator_id):
            raise InvalidInput("The domain lists are full (200); remove some first.")
        return domain

    async def remove_domain(self, guild_id: int, text: str) -> str:
        """Take a site off both lists; return the domain.

        Raises:
            InvalidInput: not a domain.
            NotFound: the domain is on neither list.
        """
        domain = _domain(text)
        if not await self._store.remove_domain(guild_id, domain):
            raise NotFound(f"`{domain}` is on neither list (see `/previews domains list`).")
        return domain

    async def describe_policy(self, guild_id: int) -> str:
        """The domain mode and both lists, for moderators."""
        return describe_policy(await self._store.policy(guild_id))

    async def set_mood_poll(self, guild_id: int, enabled: bool) -> None:
        """Turn the mood poll under previews on or off."""
        await self._store.set_mood_poll(guild_id, enabled)


def _domain(text: str) -> str:
    try:
        return parse_domain(text)
    except UnsafeURL as error:
        raise InvalidInput(str(error)) from None


def _log_skip(error: BaseException, guild_id: int | None, channel_id: int | None) -> None:
    extra: dict[str, Any] = {"guild_id": guild_id, "channel_id": channel_id}
    if isinstance(error, PreviewRefused):
        kind = "blocked" if error.blocked else "unavailable"
        log.info("preview skipped (%s): %s", kind, error.message, extra=extra)
    elif isinstance(error, MissingBotPermission):
        log.info("preview skipped: %s", error.message, extra=extra)
    else:
        log.error("preview failed", exc_info=error, extra=extra)
