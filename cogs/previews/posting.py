"""Posting a preview: the embed with its drama line, the Remove button, the mood poll."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.app import DramaBot
from bot.errors import MissingBotPermission, UserFacingError
from bot.replies import NO_PINGS
from cogs.airtime.public import next_episode, tracked_dramas
from cogs.polls.public import attach_reaction_poll
from cogs.previews.extract import Article
from cogs.previews.render import DramaMention, build_embed, drama_line, mentioned_drama
from cogs.previews.service import Preview
from cogs.previews.store import GuildPolicy, PreviewStore
from cogs.previews.views import preview_view

log = logging.getLogger(__name__)

FEATURE = "previews"
MOOD_QUESTION = "How does this article make you feel?"
MOOD_OPTIONS = (("❤️", "love"), ("😂", "funny"), ("😮", "wow"), ("😢", "sad"), ("😡", "angry"))


class PreviewPoster:
    """Sends previews and attaches what goes with them."""

    def __init__(self, bot: DramaBot, store: PreviewStore) -> None:
        """Use `bot` for the other features' public functions and `store` for bookkeeping."""
        self.bot = bot
        self.store = store

    async def reply(self, source: discord.Message, preview: Preview, policy: GuildPolicy) -> None:
        """Answer a fan's message with a preview (automatic previews)."""
        guild = source.guild
        if guild is None:
            return
        embed = await self.embed(guild.id, preview.article)
        try:
            sent = await source.channel.send(
                embed=embed,
                view=preview_view(source.author.id),
                allowed_mentions=NO_PINGS,
                # Still post if the fan deleted their message meanwhile.
                reference=source.to_reference(fail_if_not_exists=False),
                mention_author=False,
            )
        except discord.Forbidden:
            await self._report_cannot_post(guild.id, source.channel.id)
            return
        except discord.HTTPException as error:
            log.warning("preview not posted: HTTP %s", error.status, extra={"guild_id": guild.id})
            return
        await self.store.record_post(
            sent.id, guild.id, source.channel.id, source.id, source.author.id, preview.url_key
        )
        await self._mood_poll(sent, policy, source.author.id)

    async def followup(
        self,
        interaction: discord.Interaction[DramaBot],
        preview: Preview,
        policy: GuildPolicy | None,
    ) -> None:
        """Answer /preview or the menu with a preview (public; Remove is the invoker's)."""
        guild_id = interaction.guild_id
        embed = await self.embed(guild_id, preview.article)
        sent = await interaction.followup.send(
            embed=embed,
            view=preview_view(interaction.user.id),
            allowed_mentions=NO_PINGS,
            wait=True,
        )
        await self.store.record_post(
            sent.id, guild_id, sent.channel.id, None, interaction.user.id, preview.url_key
        )
        if policy is not None:
            await self._mood_poll(sent, policy, interaction.user.id)

    async def embed(self, guild_id: int | None, article: Article) -> discord.Embed:
        """The preview embed, with the next-episode line for a tracked drama."""
        extra = [await self._drama_line(guild_id, article)] if guild_id else []
        return discord.Embed.from_dict(build_embed(article, [line for line in extra if line]))

    async def _drama_line(self, guild_id: int, article: Article) -> str | None:
        text = f"{article.title or ''}\n{article.description or ''}"
        try:
            dramas = await tracked_dramas(self.bot, guild_id)
            found = mentioned_drama(text, [(d.drama_id, d.title, d.aliases) for d in dramas])
            if found is None:
                return None
            upcoming = await next_episode(self.bot, guild_id, found[0], self.bot.clock.now())
        except Exception:
            log.exception("airtime lookup failed", extra={"guild_id": guild_id})
            return None
        episode, airs_at = upcoming if upcoming else (None, None)
        return drama_line(DramaMention(found[1], episode, airs_at))

    async def _mood_poll(self, message: discord.Message, policy: GuildPolicy, author: int) -> None:
        if not policy.mood_poll:
            return
        try:
            await attach_reaction_poll(
                self.bot, message, MOOD_QUESTION, MOOD_OPTIONS, author_id=author
            )
        except MissingBotPermission as error:
            await self.bot.guild_settings.report_problem(
                policy.guild_id, FEATURE, f"reactions:{message.channel.id}", error.message
            )
        except UserFacingError as error:
            log.info("mood poll not attached: %s", error.message)
        except Exception:
            log.exception("mood poll failed", extra={"guild_id": policy.guild_id})

    async def can_post(self, guild: discord.Guild, channel: Any) -> bool:
        """Whether the bot may post embeds in `channel`; reports the problem when not."""
        permissions = channel.permissions_for(guild.me)
        if permissions.send_messages and permissions.embed_links:
            await self.bot.guild_settings.clear_problem(guild.id, FEATURE, f"send:{channel.id}")
            return True
        await self._report_cannot_post(guild.id, channel.id)
        return False

    async def _report_cannot_post(self, guild_id: int, channel_id: int) -> None:
        log.info("cannot post previews", extra={"guild_id": guild_id, "channel_id": channel_id})
        await self.bot.guild_settings.report_problem(
            guild_id,
            FEATURE,
            f"send:{channel_id}",
            f"I can't post link previews in <#{channel_id}>: give me Send Messages and "
            "Embed Links there, or turn previews off with `/config channel`.",
        )
