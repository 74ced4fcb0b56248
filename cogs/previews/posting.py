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
from cogs.previews.render import (
    DramaMention,
    build_embed,
    drama_line,
    mentioned_drama,
    mood_field,
)
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
        embed = await self.embed(guild.id, preview.article, mood=policy.mood_poll)
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
        if policy.mood_poll and not await self._mood_poll(sent, policy, source.author.id):
            await self._drop_question(sent, embed)

    async def followup(
        self,
        interaction: discord.Interaction[DramaBot],
        preview: Preview,
        policy: GuildPolicy | None,
    ) -> None:
        """Answer /preview or the menu with a preview (public; Remove is the invoker's)."""
        guild_id = interaction.guild_id
        mood = policy is not None and policy.mood_poll
        embed = await self.embed(guild_id, preview.article, mood=mood)
        sent = await interaction.followup.send(
            embed=embed,
            view=preview_view(interaction.user.id),
            allowed_mentions=NO_PINGS,
            wait=True,
        )
        await self.store.record_post(
            sent.id, guild_id, sent.channel.id, None, interaction.user.id, preview.url_key
        )
        if policy is None or not mood:
            return
        message = await self._in_channel(interaction, sent)
        if message is None or not await self._mood_poll(message, policy, interaction.user.id):
            await self._drop_question(sent, embed)

    async def embed(
        self, guild_id: int | None, article: Article, *, mood: bool = False
    ) -> discord.Embed:
        """The preview embed, with the next-episode line for a tracked drama.

        With `mood`, a last field asks the mood poll's question and says what each reaction
        means, so the five reactions under the card are not a riddle.
        """
        extra = [await self._drama_line(guild_id, article)] if guild_id else []
        fields = [mood_field(MOOD_QUESTION, MOOD_OPTIONS)] if mood else []
        payload = build_embed(article, [line for line in extra if line], fields)
        return discord.Embed.from_dict(payload)

    async def _in_channel(
        self, interaction: discord.Interaction[DramaBot], sent: discord.WebhookMessage
    ) -> discord.Message | None:
        """The followup as a message of its channel and server, which a poll needs.

        A followup comes back through the interaction's webhook, which knows no server, so
        it is read back from the channel once.
        """
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            return None
        try:
            return await channel.fetch_message(sent.id)
        except discord.HTTPException as error:
            log.info("mood poll not attached: cannot read the preview back (HTTP %s)", error.status)
            return None

    async def _drop_question(self, sent: discord.Message, embed: discord.Embed) -> None:
        """No poll after all: take its question off the card."""
        embed.remove_field(len(embed.fields) - 1)
        try:
            await sent.edit(embed=embed, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.info("could not take the mood question off a preview: HTTP %s", error.status)

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

    async def _mood_poll(self, message: discord.Message, policy: GuildPolicy, author: int) -> bool:
        """Attach the mood poll under `message`; whether it is there."""
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
        else:
            return True
        return False

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
