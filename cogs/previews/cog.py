"""Discord glue for link previews: automatic previews, /preview, the menu, /previews settings."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import moderator_only, require_guild
from bot.errors import InvalidInput
from bot.replies import NO_PINGS, pages, send_ephemeral
from cogs.previews.pipeline import PreviewRefused
from cogs.previews.service import PreviewService
from cogs.previews.urls import find_links
from cogs.previews.views import preview_view

log = logging.getLogger(__name__)

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

    def __init__(self, bot: DramaBot, service: PreviewService) -> None:
        """Answer through `service`, the feature's front door."""
        self.bot = bot
        self.service = service
        self.menu = app_commands.ContextMenu(name="Preview article", callback=self.preview_menu)

    async def cog_load(self) -> None:
        """Register the message menu."""
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Unregister the message menu."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    # -- automatic previews -----------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Preview up to 3 article links in channels where previews are on."""
        if message.author.bot or message.guild is None or not message.content:
            return
        if message.flags.suppress_embeds:
            return
        links = find_links(message.content)
        if links:
            await self.service.answer_message(message, links)

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
        # Refused privately, before deferring, when no network is needed to say no.
        request = await self.service.request(interaction.user.id, interaction.guild_id, links)
        await interaction.response.defer(thinking=True)
        try:
            cards = await self.service.cards(request, interaction.channel_id)
        except PreviewRefused as error:
            await _late_refusal(interaction, error)
            return
        for card in cards:
            sent = await interaction.followup.send(
                embed=card.embed,
                view=preview_view(interaction.user.id),
                allowed_mentions=NO_PINGS,
                wait=True,
            )
            await self.service.followed_up(card, sent, interaction.channel, interaction.user.id)

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
        await self.service.set_domain_mode(guild.id, mode)
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
        guild = require_guild(interaction)
        name = await self.service.set_domain(guild.id, domain, "allow", interaction.user.id)
        await send_ephemeral(interaction, f"`{name}` is now allowed (subdomains included).")

    @domains.command(name="deny")
    @moderator_only()
    async def domains_deny(self, interaction: discord.Interaction[DramaBot], domain: str) -> None:
        """Never preview a site (its subdomains included).

        Args:
            domain: A domain such as example.com (a link works too).
        """
        guild = require_guild(interaction)
        name = await self.service.set_domain(guild.id, domain, "deny", interaction.user.id)
        await send_ephemeral(interaction, f"`{name}` is now denied (subdomains included).")

    @domains.command(name="remove")
    @moderator_only()
    async def domains_remove(self, interaction: discord.Interaction[DramaBot], domain: str) -> None:
        """Take a site off the allow and deny lists.

        Args:
            domain: The domain to remove.
        """
        guild = require_guild(interaction)
        name = await self.service.remove_domain(guild.id, domain)
        await send_ephemeral(interaction, f"`{name}` removed from the domain lists.")

    @domains.command(name="list")
    @moderator_only()
    async def domains_list(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Show the domain policy and both lists."""
        guild = require_guild(interaction)
        for page in pages(await self.service.describe_policy(guild.id)):
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
        await self.service.set_mood_poll(guild.id, state == "on")
        await send_ephemeral(interaction, f"Mood polls under previews are now {state}.")


async def _late_refusal(interaction: discord.Interaction[DramaBot], error: PreviewRefused) -> None:
    """No preview after all: replace the public "thinking…" message with a private answer."""
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.debug("could not delete the deferred response")
    await send_ephemeral(interaction, f"Sorry, no preview: {error.message}")
