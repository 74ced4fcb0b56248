"""Airtime's front door: commands, buttons and other features call it with ids and values.

It returns results (dramas, what changed, what fans were told) and raises `UserFacingError`s;
it never sees an interaction and never replies. The public API other features use
(`AirtimeSchedule`) is served here too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.errors import InvalidInput, NotFound
from bot.problems import FeatureProblems, Problem
from bot.replies import clean
from bot.shards import GuildScope
from cogs.airtime import announce
from cogs.airtime.api import AirtimeSchedule, TrackedDrama
from cogs.airtime.changes import Change, changes_of, edit_notice, find_change, parse_change
from cogs.airtime.changes import undo_notice as undo_notice_text
from cogs.airtime.forms import (
    DramaForm,
    ScheduleForm,
    edit_changes,
    new_drama,
    shifted_episode,
    skip_change,
)
from cogs.airtime.guide import Guide
from cogs.airtime.import_rules import overrides_of
from cogs.airtime.keys import cannot_announce, tvmaze_failing
from cogs.airtime.records import Drama, Overridden, ScheduleChange, Undo
from cogs.airtime.runner import Announcer
from cogs.airtime.schedule import aired_count, next_numbered_after
from cogs.airtime.store import AirtimeStore

log = logging.getLogger(__name__)

MAX_DRAMAS_PER_GUILD = 50
MAX_CHOICES = 25
# Autocomplete values are drama ids; longer digit strings are titles (or junk), never ids.
MAX_ID_DIGITS = 18
Notice = Callable[[Drama, Drama, datetime], str | None]  # (before, after, now) -> for fans
# Told after a drama is added (drama, drama), rescheduled (before, after) or removed (drama, None).
ScheduleListener = Callable[[Drama, Drama | None], Awaitable[None]]


class Discord(Protocol):
    """What the service asks of Discord (`rest.DiscordRest`)."""

    async def post_notice(self, channel_id: int, text: str) -> int | None:
        """Post a notice pinging no one; None when posted, else Discord's status code."""
        ...

    async def change_role(
        self, guild_id: int, user_id: int, role_id: int, *, give: bool, reason: str
    ) -> None:
        """Give (or take) a member's role."""
        ...


class DefaultChannel(Protocol):
    """Where a guild's notices go when a drama has no channel (`/config announce`)."""

    async def __call__(self, guild_id: int) -> int | None:
        """The guild's default announcement channel, if set."""
        ...


@dataclass(frozen=True)
class Rescheduled:
    """A schedule change done: the drama before and after, what fans and moderators are told."""

    before: Drama
    after: Drama
    notice: str  # posted for fans ("" when nothing upcoming changed)
    posted: str  # for the moderator: where the notice went, or why it did not
    overridden: frozenset[str] = frozenset()  # a moderator's changes an import now leaves be


@dataclass(frozen=True)
class Undone:
    """An undone schedule change."""

    change: Change
    result: Rescheduled


@dataclass(frozen=True)
class Announced:
    """Announcements (re)configured: the drama as it was named, and when the next one is due."""

    drama: Drama
    next_run: datetime | None


@dataclass(frozen=True)
class Followed:
    """A follow or unfollow: the drama's title and role, and whether anything changed."""

    title: str
    role_id: int
    following: bool
    changed: bool


class AirtimeService(AirtimeSchedule):
    """Dramas, their schedules and announcements, and follows, for one bot."""

    def __init__(
        self,
        store: AirtimeStore,
        announcer: Announcer,
        discord: Discord,
        problems: FeatureProblems,
        default_channel: DefaultChannel,
        clock: Clock,
    ) -> None:
        """Wire the parts; nothing runs before `start`."""
        self._store = store
        self._announcer = announcer
        self._discord = discord
        self._problems = problems
        self._default_channel = default_channel
        self._clock = clock
        self.schedule_changed: list[ScheduleListener] = []
        self._guide = Guide()

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, scope: GuildScope) -> None:
        """Arm the announcements of `scope`'s guilds (in the background: start-up goes on)."""
        self._announcer.start(scope)

    async def stop(self) -> None:
        """Drop the jobs; what is owed waits in the database for the next start."""
        await self._announcer.stop()

    # -- reading ----------------------------------------------------------------------------
    async def dramas(self, guild_id: int) -> list[Drama]:
        """The guild's dramas by title."""
        return await self._store.list_dramas(guild_id)

    async def drama(self, guild_id: int, drama_id: int) -> Drama:
        """One drama of this guild by id; `NotFound` when it is gone."""
        return await self._by_id(guild_id, drama_id)

    async def next_lines(self, guild_id: int, now: datetime) -> list[str]:
        """Each of the guild's dramas' next broadcast (or that it ended), by title."""
        return self._guide.next_lines(guild_id, await self._store.list_dramas(guild_id), now)

    async def week_lines(self, guild_id: int, now: datetime) -> list[str]:
        """Every broadcast of the guild's dramas in the next 7 days, in air order."""
        return self._guide.week_lines(guild_id, await self._store.list_dramas(guild_id), now)

    async def resolve(self, guild_id: int, name: str) -> Drama:
        """A drama of this guild by title, alias or autocomplete id; `NotFound` otherwise.

        An exact title or alias wins over the id reading of an all-digit name (a drama may be
        called "1987"); `choices` never sends an id that is also a name.
        """
        text = name.strip()
        dramas = await self._store.list_dramas(guild_id)
        exact = _exact(dramas, text)
        if exact is not None:
            return exact
        if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
            found = next((d for d in dramas if d.drama_id == int(text)), None)
            if found is not None:
                return found
        partial = [d for d in dramas if any(text.casefold() in n.casefold() for n in d.names())]
        if len(partial) == 1 and text:
            return partial[0]
        raise NotFound(
            f"This server tracks no drama called {clean(text, limit=60)!s}. "
            "Pick one from the suggestions, or see `/drama list`."
        )

    async def choices(self, guild_id: int, current: str) -> list[tuple[str, str]]:
        """Autocomplete: (name, value) of the guild's dramas whose title or alias has `current`."""
        wanted = current.strip().casefold()
        dramas = await self._store.list_dramas(guild_id)
        hits = [d for d in dramas if any(wanted in n.casefold() for n in d.names())]
        return [(d.title[:100], _choice_value(d, dramas)) for d in hits[:MAX_CHOICES]]

    async def change_choices(self, guild_id: int, drama: str, current: str) -> list[Change]:
        """Autocomplete: the named drama's pre-emptions, moves and specials matching `current`."""
        try:
            found = await self.resolve(guild_id, drama)
        except NotFound:
            return []
        wanted = current.strip().casefold()
        return [
            change
            for change in changes_of(found)
            if wanted in change.label.casefold() or wanted in change.value
        ][:MAX_CHOICES]

    async def problem_lines(self, guild_id: int) -> list[str]:
        """Open airtime problems, as lines for a moderator."""
        return [f"⚠️ {problem.message}" for problem in await self._problems_of(guild_id)]

    async def failing(self, guild_id: int) -> set[int]:
        """Ids of the guild's dramas whose announcements Discord refused (a problem is open)."""
        reported = {problem.key for problem in await self._problems_of(guild_id)}
        dramas = await self._store.list_dramas(guild_id)
        return {d.drama_id for d in dramas if cannot_announce(d.drama_id).key in reported}

    async def _problems_of(self, guild_id: int) -> list[Problem]:
        return await self._problems.list(guild_id)

    # -- moderators -------------------------------------------------------------------------
    async def add(
        self, guild_id: int, form: DramaForm, catalog_name: str | None, *, created_by: int
    ) -> Drama:
        """Track a new drama (from the catalog and/or typed details); return it as stored."""
        drama = new_drama(form, catalog_name, guild_id, self._clock.now())
        return await self.add_with(drama, (), created_by=created_by)

    async def add_with(
        self, drama: Drama, changes: Sequence[ScheduleChange], *, created_by: int
    ) -> Drama:
        """Track a drama built elsewhere in the feature (an import) with its first changes.

        The drama and its changes are written in one transaction: all or nothing.
        """
        guild_id = drama.guild_id
        if await self._store.count_dramas(guild_id) >= MAX_DRAMAS_PER_GUILD:
            raise InvalidInput(f"A server can track at most {MAX_DRAMAS_PER_GUILD} dramas.")
        now = self._clock.now()
        drama_id = await self._store.add_drama(
            drama, created_by=created_by, now=now, changes=changes
        )
        log.info("drama added", extra={"guild_id": guild_id, "drama_id": drama_id})
        added = await self._by_id(guild_id, drama_id)
        await self._tell_listeners(added, added)
        return added

    async def change(
        self, guild_id: int, drama_id: int, changes: Sequence[ScheduleChange], notice: Notice
    ) -> Rescheduled:
        """Apply changes decided elsewhere in the feature (a TVmaze refresh), like any other."""
        return await self._reschedule(await self._by_id(guild_id, drama_id), changes, notice)

    async def edit(
        self, guild_id: int, drama: str, form: DramaForm, extra: ScheduleForm
    ) -> Rescheduled:
        """Change a drama's details, move an episode and/or add a special; fans are told."""
        before = await self.resolve(guild_id, drama)
        changes = edit_changes(before, form, extra, self._clock.now())

        def notice(old: Drama, new: Drama, now: datetime) -> str | None:
            return edit_notice(new.title, old.episode_list(), new.episode_list(), now)

        return await self._reschedule(before, changes, notice)

    async def skip(self, guild_id: int, drama: str, day: str, reason: str | None) -> Rescheduled:
        """Pre-empt a KST date; later episodes shift and fans are told where the episode went."""
        before = await self.resolve(guild_id, drama)
        change = skip_change(before, day, reason, self._clock.now())

        def notice(old: Drama, new: Drama, now: datetime) -> str:
            moved = shifted_episode(old, new, change.day)
            return announce.skip_notice(
                new.title, f"{change.day:%a %Y-%m-%d}", moved, change.reason
            )

        return await self._reschedule(before, [change], notice)

    async def undo(self, guild_id: int, drama: str, change: str) -> Undone:
        """Undo a pre-emption, a move or a special; fans are told what changed."""
        before = await self.resolve(guild_id, drama)
        kind, key = parse_change(change)
        found = find_change(before, kind, key)

        def notice(old: Drama, new: Drama, now: datetime) -> str | None:
            return undo_notice_text(new.title, found, old.episode_list(), new.episode_list(), now)

        return Undone(found, await self._reschedule(before, [Undo(kind, key)], notice))

    async def _reschedule(
        self, drama: Drama, changes: Sequence[ScheduleChange], notice: Notice
    ) -> Rescheduled:
        """The one way a schedule changes, in this order, always.

        Write the change and forget the ledger rows it makes stale (one transaction), re-arm
        the drama's announcements, then tell its fans. A moderator's change of an imported
        drama is remembered in the same transaction, so later imports leave it be.
        """
        now = self._clock.now()
        kept = overrides_of(changes) if drama.tvmaze_id is not None else frozenset()
        if kept:  # first: it takes the import's lock before any other write (import_store)
            changes = [Overridden(kept), *changes]
        before, after = await self._store.reschedule(drama.guild_id, drama.drama_id, changes, now)
        await self._announcer.refresh(after.guild_id, after.drama_id)
        await self._tell_listeners(before, after)
        text = notice(before, after, now) or ""
        posted = await self._post_notice(after, text) if text else ""
        log.info(
            "drama rescheduled",
            extra={"guild_id": after.guild_id, "drama_id": after.drama_id,
                   "changes": [type(change).__name__ for change in changes]},
        )  # fmt: skip
        return Rescheduled(before, after, text, posted, kept)

    async def remove(self, guild_id: int, drama: str) -> Drama:
        """Stop tracking a drama; its announcements stop and its problem is forgotten."""
        found = await self.resolve(guild_id, drama)
        drama_id = found.drama_id
        await self._store.remove_drama(drama_id)
        await self._announcer.refresh(guild_id, drama_id)  # finds it gone: no job
        await self._problems.clear(guild_id, cannot_announce(drama_id))
        await self._problems.clear(guild_id, tvmaze_failing(drama_id))
        await self._tell_listeners(found, None)
        log.info("drama removed", extra={"guild_id": guild_id, "drama_id": drama_id})
        return found

    async def _tell_listeners(self, before: Drama, after: Drama | None) -> None:
        """Run the `schedule_changed` listeners; one failing does not stop the change."""
        for listener in self.schedule_changed:
            try:
                await listener(before, after)
            except Exception:
                log.exception(
                    "schedule listener failed",
                    extra={"guild_id": before.guild_id, "drama_id": before.drama_id},
                )

    async def announce(
        self,
        guild_id: int,
        drama: str,
        *,
        channel_id: int | None,
        role_id: int | None,
        leads: tuple[int, ...],
    ) -> Announced:
        """Where announcements go (None: off) and whom they ping; when the next one is due."""
        found = await self.resolve(guild_id, drama)
        drama_id = found.drama_id
        await self._store.set_announce(
            drama_id,
            channel_id=channel_id,
            role_id=role_id if channel_id is not None else None,
            leads=leads,
            now=self._clock.now(),
        )
        await self._problems.clear(guild_id, cannot_announce(drama_id))
        log.info("announce set", extra={"guild_id": guild_id, "drama_id": drama_id})
        return Announced(found, await self._announcer.refresh(guild_id, drama_id))

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """Tell moderators at once which dramas' announcements need a new channel.

        The drama keeps its settings (its posts are refused until a moderator picks another
        channel) and the problem is not tied to the channel, so it outlives it.
        """
        for drama in await self._store.list_dramas(guild_id):
            if drama.channel_id == channel_id:
                await self._problems.report(
                    guild_id,
                    cannot_announce(drama.drama_id),
                    announce.channel_gone_problem(drama.title),
                )

    # -- fans -------------------------------------------------------------------------------
    async def follow(
        self,
        guild_id: int,
        user_id: int,
        role_ids: Collection[int],
        drama_id: int,
        *,
        follow: bool,
    ) -> Followed:
        """Give (or take) the drama's ping role; `role_ids` are the member's roles now."""
        drama = await self._store.get_drama(guild_id, drama_id)
        if drama is None:
            raise NotFound("That drama is no longer tracked here; see `/drama list`.")
        if drama.role_id is None:
            raise InvalidInput(
                f"**{clean(drama.title, limit=100)}** has no ping role yet, so there is nothing "
                "to follow. Ask a moderator to set one with `/drama announce … role:`."
            )
        changed = (drama.role_id in role_ids) != follow
        if changed:
            reason = f"airtime {'follow' if follow else 'unfollow'} (drama {drama_id})"
            await self._discord.change_role(
                guild_id, user_id, drama.role_id, give=follow, reason=reason
            )
            extra = {"guild_id": guild_id, "drama_id": drama_id, "follow": follow}
            log.info("follow changed", extra=extra)
        return Followed(drama.title, drama.role_id, follow, changed)

    # -- the public API (AirtimeSchedule) ---------------------------------------------------
    async def tracked_dramas(self, guild_id: int) -> list[TrackedDrama]:
        """See `AirtimeSchedule.tracked_dramas`."""
        dramas = await self._store.list_dramas(guild_id)
        return [TrackedDrama(d.drama_id, d.title, d.aliases) for d in dramas]

    async def aired_episodes(self, guild_id: int, drama_title: str, at: datetime) -> int | None:
        """See `AirtimeSchedule.aired_episodes`."""
        found = _exact(await self._store.list_dramas(guild_id), drama_title)
        return aired_count(found.episode_list(), at) if found is not None else None

    async def next_episode(
        self, guild_id: int, drama_id: int, after: datetime
    ) -> tuple[int, datetime] | None:
        """See `AirtimeSchedule.next_episode`."""
        drama = await self._store.get_drama(guild_id, drama_id)
        if drama is None:
            return None
        found = next_numbered_after(drama.episode_list(), after)
        return (found.number, found.at) if found and found.number is not None else None

    # -- helpers ----------------------------------------------------------------------------
    async def _by_id(self, guild_id: int, drama_id: int) -> Drama:
        found = await self._store.get_drama(guild_id, drama_id)
        if found is None:
            raise NotFound("That drama was just removed; see `/drama list`.")
        return found

    async def _post_notice(self, drama: Drama, text: str) -> str:
        """Post a notice (no pings); return a sentence for the moderator's reply."""
        channel_id = drama.channel_id or await self._default_channel(drama.guild_id)
        if channel_id is None:
            return "No announcement channel is set, so no notice was posted."
        status = await self._discord.post_notice(channel_id, text)
        if status is not None:
            log.warning("notice not posted",
                        extra={"guild_id": drama.guild_id, "channel_id": channel_id,
                               "status": status})  # fmt: skip
            return f"I could not post the notice in <#{channel_id}> (Discord said {status})."
        return f"Notice posted in <#{channel_id}>."


def _exact(dramas: list[Drama], text: str) -> Drama | None:
    """The drama titled `text`, else the one with that alias (case-insensitive)."""
    wanted = " ".join(text.split()).casefold()
    # A drama's own title wins over another drama's alias.
    for drama in sorted(dramas, key=lambda d: d.title.casefold() != wanted):
        if drama.matches(text):
            return drama
    return None


def _choice_value(drama: Drama, dramas: list[Drama]) -> str:
    """The drama's id, or its title when the id is also a name `resolve` would pick first."""
    value = str(drama.drama_id)
    if _exact(dramas, value) in (None, drama):
        return value
    return drama.title[:100]
