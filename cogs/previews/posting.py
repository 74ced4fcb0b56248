"""Posting a preview: the card with its drama line, the Remove button, the mood poll."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import discord

from bot.app import DramaBot
from bot.errors import MissingBotPermission, UserFacingError
from bot.problems import FeatureProblems, ProblemKey
from bot.replies import NO_PINGS
from cogs.airtime.api import AirtimeSchedule
from cogs.polls.api import ReactionPolls
from cogs.previews.extract import Article
from cogs.previews.pipeline import Preview
from cogs.previews.render import (
    DramaMention,
    build_embed,
    drama_line,
    mentioned_drama,
    mood_field,
)
from cogs.previews.store import GuildPolicy, PreviewStore
from cogs.previews.views import preview_view

log = logging.getLogger(__name__)

MOOD_QUESTION = "How does this article make you feel?"
MOOD_OPTIONS = (("❤️", "love"), ("😂", "funny"), ("😮", "wow"), ("😢", "sad"), ("😡", "angry"))


# The one place that names this feature's problems; each is about one channel.
def cannot_post_key(channel_id: int) -> ProblemKey:
    """The bot may not post previews (Send Messages, Embed Links) in a channel."""
    return ProblemKey("send", channel_id)


def cannot_react_key(channel_id: int) -> ProblemKey:
    """The bot may not add the mood poll's reactions in a channel."""
    return ProblemKey("reactions", channel_id)


CHANNEL_PROBLEMS = (cannot_post_key, cannot_react_key)


@dataclass(frozen=True)
class Card:
    """A preview ready to post in a server (or a DM): its embed, and whether a poll goes under."""

    guild_id: int | None
    preview: Preview
    embed: discord.Embed
    mood: bool


class PreviewPoster:
    """Sends previews and attaches what goes with them."""

    def __init__(self, bot: DramaBot, store: PreviewStore, problems: FeatureProblems) -> None:
        """Use `bot` for the other features, `store` for bookkeeping, `problems` to tell mods."""
        self.bot = bot
        self.store = store
        self.problems = problems
        self._said_no_polls = False

    async def card(
        self, guild_id: int | None, preview: Preview, policy: GuildPolicy | None
    ) -> Card:
        """The card for `preview`, asking the mood question when a poll will go under it."""
        mood = policy is not None and policy.mood_poll and self._polls() is not None
        return Card(guild_id, preview, await self.embed(guild_id, preview.article, mood=mood), mood)

    async def reply(self, source: discord.Message, card: Card) -> None:
        """Answer a fan's message with a preview (automatic previews)."""
        guild = source.guild
        if guild is None:
            return
        try:
            sent = await source.channel.send(
                embed=card.embed,
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
            sent.id, guild.id, source.channel.id, source.id, source.author.id, card.preview.url_key
        )
        if card.mood and not await self._mood_poll(sent, guild.id, source.author.id):
            await self._drop_question(sent, card.embed)

    async def followed_up(
        self, card: Card, sent: discord.WebhookMessage, channel: Any, user_id: int
    ) -> None:
        """Record a preview posted as a command's followup and put its mood poll under it."""
        await self.store.record_post(
            sent.id, card.guild_id, sent.channel.id, None, user_id, card.preview.url_key
        )
        if not card.mood or card.guild_id is None:
            return
        message = await self._in_channel(channel, sent)
        if message is None or not await self._mood_poll(message, card.guild_id, user_id):
            await self._drop_question(sent, card.embed)

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

    def _polls(self) -> ReactionPolls | None:
        """The polls feature, which runs mood polls; None (said once in the log) without it."""
        polls = self.bot.features.api(ReactionPolls)
        if polls is None and not self._said_no_polls:
            self._said_no_polls = True
            log.info("the polls feature is not loaded: previews go without mood polls")
        return polls

    async def _in_channel(
        self, channel: Any, sent: discord.WebhookMessage
    ) -> discord.Message | None:
        """The followup as a message of its channel and server, which a poll needs.

        A followup comes back through the interaction's webhook, which knows no server, so
        it is read back from the channel once.
        """
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
        airtime = self.bot.features.api(AirtimeSchedule)
        if airtime is None:
            return None
        text = f"{article.title or ''}\n{article.description or ''}"
        try:
            dramas = await airtime.tracked_dramas(guild_id)
            found = mentioned_drama(text, [(d.drama_id, d.title, d.aliases) for d in dramas])
            if found is None:
                return None
            upcoming = await airtime.next_episode(guild_id, found[0], self.bot.clock.now())
        except Exception:
            log.exception("airtime lookup failed", extra={"guild_id": guild_id})
            return None
        episode, airs_at = upcoming if upcoming else (None, None)
        return drama_line(DramaMention(found[1], episode, airs_at))

    async def _mood_poll(self, message: discord.Message, guild_id: int, author: int) -> bool:
        """Attach the mood poll under `message`; whether it is there."""
        polls = self._polls()
        if polls is None:
            return False
        try:
            await polls.attach(message, MOOD_QUESTION, MOOD_OPTIONS, author_id=author)
        except MissingBotPermission as error:
            await self.problems.report(
                guild_id, cannot_react_key(message.channel.id), error.message
            )
        except UserFacingError as error:
            log.info("mood poll not attached: %s", error.message)
        except Exception:
            log.exception("mood poll failed", extra={"guild_id": guild_id})
        else:
            return True
        return False

    async def can_post(self, guild: discord.Guild, channel: Any) -> bool:
        """Whether the bot may post embeds in `channel`; reports the problem when not."""
        permissions = channel.permissions_for(guild.me)
        if permissions.send_messages and permissions.embed_links:
            await self.problems.clear(guild.id, cannot_post_key(channel.id))
            return True
        await self._report_cannot_post(guild.id, channel.id)
        return False

    async def _report_cannot_post(self, guild_id: int, channel_id: int) -> None:
        log.info("cannot post previews", extra={"guild_id": guild_id, "channel_id": channel_id})
        await self.problems.report(
            guild_id,
            cannot_post_key(channel_id),
            f"I can't post link previews in <#{channel_id}>: give me Send Messages and "
            "Embed Links there, or turn previews off with `/config channel`.",
        )
