"""Discord glue for `/drama events` and `/drama threads`: permission checks and replies.

The commands themselves sit with the other /drama commands (`moderation.py`); what they
check about Discord objects and how they word their answers lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.errors import InvalidInput, MissingBotPermission
from bot.replies import clean
from cogs.airtime import events, threads
from cogs.airtime.events_sync import EventsSet, EventSync
from cogs.airtime.records import Drama
from cogs.airtime.render import when
from cogs.airtime.threads_open import ThreadOpener, ThreadsSet


@dataclass(frozen=True)
class Native:
    """Airtime's Discord-native parts: scheduled events and episode threads."""

    events: EventSync
    threads: ThreadOpener


def check_event_permission(guild: discord.Guild) -> None:
    """`MissingBotPermission` unless the bot may create scheduled events."""
    me = guild.me
    if me is not None and me.guild_permissions.create_events:
        return
    raise MissingBotPermission(
        "I can't create scheduled events: give my role the Create Events permission "
        "(Server Settings → Roles; Manage Events alone no longer lets a bot create them), "
        "then run this again."
    )


@dataclass(frozen=True)
class ThreadPlace:
    """Where threads will open: the channel, whether it is a forum, the drama's tag there."""

    channel_id: int
    forum: bool
    tag_id: int | None


def thread_place(drama: Drama, channel: discord.TextChannel | discord.ForumChannel) -> ThreadPlace:
    """Check the bot may open threads (or forum posts) in `channel`; pick the drama's tag."""
    me = channel.guild.me
    perms = channel.permissions_for(me)
    forum = isinstance(channel, discord.ForumChannel)
    start = perms.send_messages if forum else perms.create_public_threads
    if not (perms.view_channel and start and perms.send_messages_in_threads):
        what = "Send Messages (to start posts)" if forum else "Create Public Threads"
        raise MissingBotPermission(
            f"I can't open episode threads in {channel.mention}: I need View Channel, {what} "
            "and Send Messages in Threads there. Grant them, then run this again."
        )
    if not isinstance(channel, discord.ForumChannel):
        return ThreadPlace(channel.id, False, None)
    tag_id = threads.tag_for(drama, ((tag.id, tag.name) for tag in channel.available_tags))
    if tag_id is None and channel.flags.require_tag:
        raise InvalidInput(
            f"{channel.mention} requires a tag on every post and has none named like "
            f"**{clean(drama.title, limit=100)}**: add one (e.g. the title), or pick another "
            "channel."
        )
    tag = channel.get_tag(tag_id) if tag_id is not None else None
    if tag is not None and tag.moderated and not perms.manage_threads:
        raise MissingBotPermission(
            f"The tag **{clean(tag.name, limit=100)}** of {channel.mention} is moderated, so "
            "I can only put it on my posts with Manage Threads there. Grant it (or let anyone "
            "use the tag), then run this again."
        )
    return ThreadPlace(channel.id, True, tag_id)


def events_reply(done: EventsSet) -> str:
    """The moderator's answer to `/drama events`."""
    name = f"**{clean(done.drama.title, limit=100)}**"
    if done.count is None and done.problem:
        text = f"Scheduled events for {name} are off, but I could not delete its upcoming events."
    elif done.count is None:
        text = f"Scheduled events for {name} are off; I deleted its upcoming events."
    elif done.kept == 0:
        text = f"Scheduled events for {name} are on, but it has no episode left to air."
    else:
        text = (
            f"Scheduled events for {name}: the next {_kept(done.count, done.kept)} "
            f"{'appears' if done.kept == 1 else 'appear'} in "
            f"the Events tab, kept in step with the schedule.\n"
            f"Now listed: {events.events_line(done.shown)}"
        )
    if done.problem:
        text += f"\n⚠️ {done.problem}"
    return text


def _kept(count: int, kept: int) -> str:
    """How many episodes `count` keeps, saying so when fewer are left than it asks for."""
    if kept == 1:
        return "episode (the only one left)" if kept < count else "episode"
    return f"{kept} episodes (all that are left)" if kept < count else f"{kept} episodes"


def threads_reply(done: ThreadsSet) -> str:
    """The moderator's answer to `/drama threads`."""
    name = f"**{clean(done.drama.title, limit=100)}**"
    settings = done.settings
    if settings is None:
        return f"Episode threads for {name} are off (open ones archive on their own)."
    kind = "a forum post" if settings.forum else "a thread"
    text = (
        f"At air time I open {kind} per episode of {name} in <#{settings.channel_id}> and "
        f"link it from the on-air post; they archive after "
        f"{threads.archive_label(settings.archive_min)} without activity."
    )
    if settings.forum and settings.tag_id is not None:
        text += f" Posts get the forum's tag for {name}."
    if done.next_at is not None:
        text += f"\nNext thread: {when(done.next_at)}."
    return text


async def native_lines(native: Native, guild_id: int) -> dict[int, str]:
    """Drama id -> `/drama list`'s extra lines: its scheduled events and episode threads."""
    counts = await native.events.counts(guild_id)
    places = {s.drama_id: s for s in await native.threads.settings_of(guild_id)}
    lines: dict[int, str] = {}
    for drama_id, count in counts.items():
        shown = "episode" if count == 1 else f"{count} episodes"
        lines[drama_id] = f"\n  Scheduled events: the next {shown}"
    for drama_id, place in places.items():
        kind = "forum posts" if place.forum else "threads"
        text = f"\n  Episode {kind}: <#{place.channel_id}>"
        lines[drama_id] = lines.get(drama_id, "") + text
    return lines
