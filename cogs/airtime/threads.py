"""Episode discussion threads: names, archive durations, which broadcasts are owed one.

Pure rules, no Discord and no database. A drama with threads on gets one thread per
broadcast (or one forum post in a forum), opened at air time and left to auto-archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import InvalidInput
from bot.replies import clean
from bot.text import shorten
from cogs.airtime.native import Refused
from cogs.airtime.records import Drama
from cogs.airtime.schedule import Episode

NAME_LIMIT = 100
SUFFIX = " — live discussion, spoilers inside"
# Discord's auto-archive durations, in minutes, by the words a moderator may type.
ARCHIVE_AFTER = {"1h": 60, "24h": 1440, "1d": 1440, "3d": 4320, "1w": 10080, "7d": 10080}
DEFAULT_ARCHIVE = 1440
# A thread opens at air time; one not opened by the end of the broadcast is not opened late.


@dataclass(frozen=True)
class ThreadSettings:
    """Where a drama's episode threads open and when they archive."""

    drama_id: int
    guild_id: int
    channel_id: int
    forum: bool
    tag_id: int | None
    archive_min: int
    since: datetime  # threads are owed for broadcasts from here on


@dataclass(frozen=True)
class ThreadRow:
    """One episode's thread: claimed, open, failed, skipped or uncertain."""

    drama_id: int
    episode_key: str
    state: str
    channel_id: int
    thread_id: int | None
    name: str
    claimed_at: datetime


def parse_archive(text: str | None) -> int:
    """Minutes of inactivity before a thread archives; `InvalidInput` for other values."""
    if text is None or not text.strip():
        return DEFAULT_ARCHIVE
    value = text.strip().casefold().replace(" ", "")
    if value in ARCHIVE_AFTER:
        return ARCHIVE_AFTER[value]
    if value.isdigit() and int(value) in ARCHIVE_AFTER.values():
        return int(value)
    raise InvalidInput(
        "`archive-after` must be one of Discord's durations: `1h`, `24h`, `3d` or `1w`."
    )


def archive_label(minutes: int) -> str:
    """`24h` for 1440."""
    return {60: "1h", 1440: "24h", 4320: "3d", 10080: "1w"}.get(minutes, f"{minutes} min")


def thread_name(drama: Drama, ep: Episode) -> str:
    """`E9 · What's Wrong with Secretary Kim — live discussion, spoilers inside` (≤ 100)."""
    head = f"E{ep.number}" if ep.number is not None else "Special"
    title = " ".join(drama.title.split())
    room = NAME_LIMIT - len(head) - len(" · ") - len(SUFFIX)
    return f"{head} · {shorten(title, max(room, 10))}{SUFFIX}"[:NAME_LIMIT]


def post_text(drama: Drama, ep: Episode) -> str:
    """The first message of a forum post (nobody is pinged)."""
    words = f"episode {ep.number}" if ep.number is not None else "the special"
    finale = " — the FINALE" if ep.finale else ""
    return (
        f"📺 **{clean(drama.title, limit=100)}** {words}{finale} is on air now on "
        f"{clean(drama.network, limit=50)}. Live discussion here: spoilers inside!"
    )


def link_line(thread_id: int) -> str:
    """The line an on-air post gets: where the live discussion is."""
    return f"💬 Live discussion (spoilers inside): <#{thread_id}>"


def airing(drama: Drama, since: datetime, now: datetime) -> list[Episode]:
    """Broadcasts on air at `now` (started, not ended) that aired after `since`."""
    runtime = timedelta(minutes=drama.runtime_min)
    return [
        ep
        for ep in drama.iter_episodes(since=now - runtime)
        if since <= ep.at <= now < ep.at + runtime
    ][:5]


def next_start(drama: Drama, now: datetime) -> datetime | None:
    """When the next broadcast after `now` starts (a thread is then due)."""
    return next((ep.at for ep in drama.iter_episodes(since=now) if ep.at > now), None)


def tag_for(drama: Drama, tags: Iterable[tuple[int, str]]) -> int | None:
    """The forum tag named like the drama (its title or an alias), if the forum has one."""
    for tag_id, name in tags:
        if drama.matches(name):
            return tag_id
    return None


def missing_permission_problem(title: str, channel_id: int) -> str:
    """What moderators read when Discord refused a drama's episode thread."""
    return (
        f"I can't open episode threads of **{clean(title, limit=100)}** in <#{channel_id}>: "
        "I need View Channel, Create Public Threads and Send Messages in Threads there "
        "(Send Messages for a forum post). Grant them, or pick another channel with "
        "`/drama threads`."
    )


def refused_problem(title: str, channel_id: int, refused: Refused) -> str:
    """What moderators read when Discord refused a drama's episode thread (a 403, or else)."""
    if refused.missing_permission:
        return missing_permission_problem(title, channel_id)
    return (
        f"Discord refused the episode thread of **{clean(title, limit=100)}** in "
        f"<#{channel_id}>: {refused.reason}. Fix that channel's settings, or pick another "
        "with `/drama threads`."
    )


def channel_gone_problem(title: str) -> str:
    """What moderators read when the threads' channel was deleted."""
    return (
        f"The episode-thread channel of **{clean(title, limit=100)}** no longer exists: pick "
        "another with `/drama threads`."
    )
