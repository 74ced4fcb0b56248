"""Discord glue for link previews: automatic previews, /preview, the menu, /previews settings."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import moderator_only, require_guild
from bot.errors import InvalidInput, MissingBotPermission, NotFound, RateLimited
from bot.guild_settings import Feature
from bot.ratelimit import SlidingWindow
from bot.replies import pages, send_ephemeral
from cogs.previews.fetch import Fetcher
from cogs.previews.posting import PreviewPoster
from cogs.previews.service import Preview, Previewer, PreviewRefused
from cogs.previews.store import GuildPolicy, PreviewStore
from cogs.previews.urls import UnsafeURL, find_links, parse_domain
from cogs.previews.views import RemovePreviewButton

log = logging.getLogger(__name__)

USER_LIMIT = 5
USER_WINDOW = 60.0
AUTO_LIMIT = 6  # automatic previews per fan per AUTO_WINDOW; more links are skipped
AUTO_WINDOW = 60.0
FEATURE = "previews"
HELP_NOTE = (
    "Automatic previews answer article links in channels where moderators turned them on "
    "(`/config channel`), at most 3 links per message and 6 per fan a minute; links in "
    "`<…>` or `||…||` are left "
    "alone. `/preview` and the *Preview article* message menu work anywhere. I never visit "
    "private or local addresses and never download images."
)


class PreviewsCog(commands.Cog, name="Previews"):
    """Article link previews."""

    previews = app_commands.Group(
        name="previews", description="Link preview settings", guild_only=True
    )
    domains = app_commands.Group(
        name="domains", description="Which sites get previews", parent=previews
    )

    def __init__(self, bot: DramaBot) -> None:
        """Build the store, the fetcher and the preview pipeline."""
        self.bot = bot
        self.store = PreviewStore(bot.db, bot.clock)
        self.fetcher = Fetcher(bot.settings.preview_allowed_networks)
        self.previewer = Previewer(self.fetcher, self.store)
        self.poster = PreviewPoster(bot, self.store)
        self.user_limit = SlidingWindow(USER_LIMIT, USER_WINDOW)
        self.auto_limit = SlidingWindow(AUTO_LIMIT, AUTO_WINDOW)
        self.menu = app_commands.ContextMenu(name="Preview article", callback=self.preview_menu)

    async def cog_load(self) -> None:
        """Register the menu, the persistent Remove button, the status line and help."""
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(RemovePreviewButton)
        self.bot.add_status_provider(self.status_lines)
        self.bot.help_notes[FEATURE] = HELP_NOTE

    async def cog_unload(self) -> None:
        """Unregister what cog_load added and close the HTTP session."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(RemovePreviewButton)
        await self.fetcher.close()
        await self.previewer.parser.close()

    # -- automatic previews -----------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Preview up to 3 article links in channels where previews are on."""
        if message.author.bot or message.guild is None or not message.content:
            return
        if message.flags.suppress_embeds:
            return
        links = find_links(message.content)
        if not links:
            return
        guild_id, channel_id = message.guild.id, message.channel.id
        if not await self._enabled_here(message) or await self.store.already_previewed(message.id):
            return
        if not await self.poster.can_post(message.guild, message.channel):
            return  # checked before fetching: no point reading pages we cannot show
        links = self._within_auto_limit(message.author.id, links)
        if not links:
            log.info("automatic previews skipped: rate limit", extra={"guild_id": guild_id})
            return
        policy = await self.store.policy(guild_id)
        results = await asyncio.gather(
            *(self.previewer.preview(link, policy) for link in links), return_exceptions=True
        )
        for result in results:
            if isinstance(result, Preview):
                await self.poster.reply(message, result, policy)
            else:
                _log_skip(result, guild_id, channel_id)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """Problems reported about a deleted channel no longer apply: forget them."""
        for key in (f"send:{channel.id}", f"reactions:{channel.id}"):
            await self.bot.guild_settings.clear_problem(channel.guild.id, FEATURE, key)

    def _within_auto_limit(self, user_id: int, links: list[str]) -> list[str]:
        """The links this fan may still get automatic previews for (a flood gets none)."""
        now = time.monotonic()
        return [link for link in links if self.auto_limit.retry_after(user_id, now) == 0]

    async def _enabled_here(self, message: discord.Message) -> bool:
        """Previews on in this channel, or (for a thread) in its parent channel."""
        if message.guild is None:
            return False
        settings = self.bot.guild_settings
        channel_ids = [message.channel.id]
        if isinstance(message.channel, discord.Thread) and message.channel.parent_id:
            channel_ids.append(message.channel.parent_id)
        for channel_id in channel_ids:
            if await settings.feature_enabled(message.guild.id, channel_id, Feature.PREVIEWS):
                return True
        return False

    # -- /preview and the menu --------------------------------------------------------
    @app_commands.command(name="preview")
    async def preview_command(
        self, interaction: discord.Interaction[DramaBot], url: app_commands.Range[str, 1, 2048]
    ) -> None:
        """Show a preview card for an article link.

        Args:
            url: The article's link (http:// or https://).
        """
        text = url.strip()
        if "://" not in text:
            text = f"https://{text}"  # `soompi.com/article/1` is what people paste
        link = (find_links(text, limit=1) or [text])[0]
        await self._answer(interaction, [link])

    async def preview_menu(
        self, interaction: discord.Interaction[DramaBot], message: discord.Message
    ) -> None:
        """Preview the article links in a message (works without the message-content intent)."""
        links = find_links(message.content or "")
        if not links:
            raise InvalidInput("I found no http(s) link to preview in that message.")
        await self._answer(interaction, links)

    async def _answer(self, interaction: discord.Interaction[DramaBot], links: list[str]) -> None:
        retry = self.user_limit.retry_after(interaction.user.id, time.monotonic())
        if retry > 0:
            raise RateLimited(f"Slow down a little: try again in {retry:.0f} s.")
        policy = await self._policy(interaction)
        # Refuse what needs no network at once, privately, before deferring.
        problems = [self.previewer.quick_problem(link, policy) for link in links]
        links = [link for link, problem in zip(links, problems, strict=True) if problem is None]
        if not links:
            raise InvalidInput(problems[0] or "That link cannot be previewed.")
        await interaction.response.defer(thinking=True)
        results = await asyncio.gather(
            *(self.previewer.preview(link, policy) for link in links), return_exceptions=True
        )
        previews = [result for result in results if isinstance(result, Preview)]
        if not previews:
            failures = [result for result in results if isinstance(result, BaseException)]
            await self._late_refusal(interaction, failures[0])
            return
        for preview in previews:
            await self.poster.followup(interaction, preview, policy)

    async def _policy(self, interaction: discord.Interaction[DramaBot]) -> GuildPolicy | None:
        if interaction.guild_id is None:
            return None
        return await self.store.policy(interaction.guild_id)

    async def _late_refusal(
        self, interaction: discord.Interaction[DramaBot], error: BaseException
    ) -> None:
        if not isinstance(error, PreviewRefused):
            raise error
        _log_skip(error, interaction.guild_id, interaction.channel_id)
        # The "thinking…" message is public; replace it with a private answer.
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("could not delete the deferred response")
        await send_ephemeral(interaction, f"Sorry, no preview: {error.message}")

    # -- moderator settings -----------------------------------------------------------
    @domains.command(name="mode")
    @moderator_only()
    async def domains_mode(
        self, interaction: discord.Interaction[DramaBot], mode: Literal["all", "allowlist"]
    ) -> None:
        """Preview all public sites, or only the sites on the allowlist.

        Args:
            mode: all = every public site (minus the denylist); allowlist = only allowed sites.
        """
        guild = require_guild(interaction)
        await self.store.set_domain_mode(guild.id, mode)
        text = (
            "Previews now cover every public site except denied ones."
            if mode == "all"
            else "Previews now cover only the allowed sites (`/previews domains allow`)."
        )
        await send_ephemeral(interaction, text)

    @domains.command(name="allow")
    @moderator_only()
    async def domains_allow(self, interaction: discord.Interaction[DramaBot], domain: str) -> None:
        """Put a site on the allowlist (its subdomains included).

        Args:
            domain: A domain such as soompi.com (a link works too).
        """
        await self._set_domain(interaction, domain, "allow")

    @domains.command(name="deny")
    @moderator_only()
    async def domains_deny(self, interaction: discord.Interaction[DramaBot], domain: str) -> None:
        """Never preview a site (its subdomains included).

        Args:
            domain: A domain such as example.com (a link works too).
        """
        await self._set_domain(interaction, domain, "deny")

    async def _set_domain(
        self,
        interaction: discord.Interaction[DramaBot],
        text: str,
        policy: Literal["allow", "deny"],
    ) -> None:
        guild = require_guild(interaction)
        domain = _domain(text)
        if not await self.store.set_domain(guild.id, domain, policy, interaction.user.id):
            raise InvalidInput("The domain lists are full (200); remove some first.")
        verb = "allowed" if policy == "allow" else "denied"
        await send_ephemeral(interaction, f"`{domain}` is now {verb} (subdomains included).")

    @domains.command(name="remove")
    @moderator_only()
    async def domains_remove(self, interaction: discord.Interaction[DramaBot], domain: str) -> None:
        """Take a site off the allow and deny lists.

        Args:
            domain: The domain to remove.
        """
        guild = require_guild(interaction)
        name = _domain(domain)
        if not await self.store.remove_domain(guild.id, name):
            raise NotFound(f"`{name}` is on neither list (see `/previews domains list`).")
        await send_ephemeral(interaction, f"`{name}` removed from the domain lists.")

    @domains.command(name="list")
    @moderator_only()
    async def domains_list(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Show the domain policy and both lists."""
        guild = require_guild(interaction)
        policy = await self.store.policy(guild.id)
        for page in pages(_describe_policy(policy)):  # 200 domains do not fit one message
            await send_ephemeral(interaction, page)

    @previews.command(name="moodpoll")
    @moderator_only()
    async def moodpoll(
        self, interaction: discord.Interaction[DramaBot], state: Literal["on", "off"]
    ) -> None:
        """Turn the mood poll under previews on or off.

        Args:
            state: on = add ❤️ 😂 😮 😢 😡 reactions under each preview; off = no poll.
        """
        guild = require_guild(interaction)
        await self.store.set_mood_poll(guild.id, state == "on")
        await send_ephemeral(interaction, f"Mood polls under previews are now {state}.")

    # -- status -----------------------------------------------------------------------
    async def status_lines(self, guild: discord.Guild) -> list[str]:
        """Lines for /config show."""
        policy = await self.store.policy(guild.id)
        lines = [
            f"Link previews: {policy.domain_mode} sites, {len(policy.allow)} allowed, "
            f"{len(policy.deny)} denied; mood poll {'on' if policy.mood_poll else 'off'}."
        ]
        if not self.bot.message_content_enabled:
            lines.append(
                "Link previews: automatic previews are off because I lack the Message "
                "Content intent; `/preview` and the *Preview article* menu still work."
            )
        return lines


def _domain(text: str) -> str:
    try:
        return parse_domain(text)
    except UnsafeURL as error:
        raise InvalidInput(str(error)) from None


def _describe_policy(policy: GuildPolicy) -> str:
    mode = "only allowed sites" if policy.domain_mode == "allowlist" else "all public sites"
    allow = "".join(f"\n• `{d}`" for d in policy.allow) or " none"
    deny = "".join(f"\n• `{d}`" for d in policy.deny) or " none"
    return f"Previews cover {mode}.\nAllowed:{allow}\nDenied:{deny}"


def _log_skip(error: BaseException, guild_id: int | None, channel_id: int | None) -> None:
    extra: dict[str, Any] = {"guild_id": guild_id, "channel_id": channel_id}
    if isinstance(error, PreviewRefused):
        kind = "blocked" if error.blocked else "unavailable"
        log.info("preview skipped (%s): %s", kind, error.message, extra=extra)
    elif isinstance(error, MissingBotPermission):
        log.info("preview skipped: %s", error.message, extra=extra)
    else:
        log.error("preview failed", exc_info=error, extra=extra)
