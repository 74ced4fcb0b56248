"""Following TVmaze: `/drama import`, `/drama refresh`, and the checks that keep imports current.

The importer is the TVmaze side's front door: commands call it with ids and values, it asks
TVmaze (through the polite client), turns what it says into the model's own schedule changes
(`tvmaze_import`, `tvmaze_merge`) and hands them to the `AirtimeService`, the one door every
schedule change goes through (write, forget stale announcements, re-arm, tell the fans).

Imported dramas are checked again when `import_rules.next_check` says (daily while airing,
and in the hour before each broadcast). One scheduler job, armed from the database at the
earliest due check of this process's guilds, runs the due checks a few at a time; a failed
check backs off (`retry_at`) and, after a day of failures, moderators are told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.errors import InvalidInput, NotFound, UserFacingError
from bot.problems import FeatureProblems
from bot.replies import clean
from bot.scheduler import Scheduler
from bot.shards import GuildScope
from cogs.airtime.import_rules import RETRY_FIRST, keeps_failing, retry_at
from cogs.airtime.import_store import ImportRow, ImportStore
from cogs.airtime.keys import CHECKS_JOB, tvmaze_failing
from cogs.airtime.records import Drama, Imported
from cogs.airtime.service import AirtimeService, Rescheduled
from cogs.airtime.tvmaze import Listing, TvmazeClient
from cogs.airtime.tvmaze_changes import notice, schedule_changes
from cogs.airtime.tvmaze_data import (
    Show,
    TvmazeError,
    TvmazeUnavailable,
    fully_timed,
    parse_show_ref,
)
from cogs.airtime.tvmaze_import import Snapshot, check_korean, plan_import
from cogs.airtime.tvmaze_merge import merge_import
from cogs.airtime.validate import parse_time

log = logging.getLogger(__name__)

BATCH = 8  # checks per run of the job (two TVmaze calls each); the rest run right after
SUGGEST_PATIENCE = 0.5  # seconds autocomplete may wait for its turn at TVmaze
SUGGEST_TIMEOUT = 2.0  # Discord drops an autocomplete answer after 3 s
MAX_SUGGESTIONS = 10
SUGGEST_MIN = 2  # characters typed before TVmaze is asked
SUGGEST_KEEP = timedelta(minutes=10)  # a query's suggestions are reused this long
SUGGEST_CACHE = 256  # queries remembered
Ready = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class ImportDone:
    """A drama made from a TVmaze show."""

    drama: Drama
    snapshot: Snapshot
    next_check: datetime | None
    time_unused: str | None = None  # the moderator's `time:`, when TVmaze times the whole show


@dataclass(frozen=True)
class Refreshed:
    """A re-check of one imported drama: what changed upcoming, and which overrides held."""

    drama: Drama
    lines: tuple[str, ...]  # one per upcoming change ("Episode 9 moved: now …")
    result: Rescheduled | None  # None when TVmaze had nothing new
    kept: frozenset[str] = frozenset()  # the moderator's overrides that held a change back
    next_check: datetime | None = None


@dataclass
class Importer:
    """Imports TVmaze shows as dramas and keeps them following TVmaze, for one bot."""

    client: TvmazeClient
    store: ImportStore
    service: AirtimeService
    scheduler: Scheduler
    clock: Clock
    problems: FeatureProblems
    ready: Ready
    _scope: GuildScope | None = field(default=None, init=False)
    _running: bool = field(default=False, init=False)
    _suggested: dict[str, tuple[datetime, list[tuple[str, str]]]] = field(
        default_factory=dict, init=False
    )

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, scope: GuildScope) -> None:
        """Arm the checks of `scope`'s guilds (the job waits for the gateway before posting)."""
        self._scope = scope
        self._running = True
        await self.arm()

    async def stop(self) -> None:
        """Drop the job (the due times stay in the database) and close the HTTP session."""
        self._running = False
        self.scheduler.cancel(CHECKS_JOB)
        await self.client.close()

    async def arm(self, not_before: datetime | None = None) -> datetime | None:
        """Schedule the job at the earliest due check of this process's guilds."""
        if not self._running or self._scope is None:
            return None
        due = await self.store.next_due(self._scope)
        if due is None:
            self.scheduler.cancel(CHECKS_JOB)
            return None
        run_at = max(due, not_before) if not_before is not None else due
        self.scheduler.schedule(CHECKS_JOB, run_at, self.run_checks)
        return run_at

    # -- moderators -------------------------------------------------------------------------
    async def suggest(self, query: str) -> list[tuple[str, str]]:
        """Autocomplete: (title · network · year, TVmaze id) of Korean shows matching `query`.

        Never raises and never waits long: TVmaze busy or slow gives no suggestions. Answers
        are kept a while, as every keystroke asks again.
        """
        text = " ".join(query.split())
        try:
            ref = parse_show_ref(text) if len(text) >= SUGGEST_MIN else None
        except InvalidInput:  # a link that is not TVmaze's, a title too long: the command says so
            return []
        if not isinstance(ref, str):
            return []
        now = self.clock.now()
        kept = self._suggested.get(text.casefold())
        if kept is not None and now - kept[0] < SUGGEST_KEEP:
            return kept[1]
        try:
            async with asyncio.timeout(SUGGEST_TIMEOUT):
                shows = await self.client.search(text, patience=SUGGEST_PATIENCE)
        except (TvmazeError, TimeoutError):
            return []
        found = [(show.label()[:100], str(show.id)) for show in shows if _korean(show)]
        if len(self._suggested) >= SUGGEST_CACHE:
            self._suggested.clear()
        self._suggested[text.casefold()] = (now, found[:MAX_SUGGESTIONS])
        return found[:MAX_SUGGESTIONS]

    async def import_show(
        self, guild_id: int, text: str, release: str | None, *, created_by: int
    ) -> ImportDone:
        """Track the TVmaze show named by `text` (title, id or link); nothing is written on error.

        `release` (KST `HH:MM`) stands in for a time TVmaze does not give.
        """
        release_time = parse_time(release) if release else None
        show = await self._find(text)
        check_korean(show)  # before fetching its episodes
        episodes = await self.client.episodes(show.id)
        snapshot = plan_import(show, episodes, release_time)
        drama = Drama(
            drama_id=0,
            guild_id=guild_id,
            title=snapshot.title,
            aliases=(),
            network=snapshot.network,
            slots=snapshot.slots,
            premiere=snapshot.premiere,
            episodes=snapshot.episodes,
            runtime_min=snapshot.runtime_min,
            tvmaze_id=snapshot.show_id,
        )
        added = await self.service.add_with(
            drama, [Imported(snapshot, release_time)], created_by=created_by
        )
        await self.arm()
        row = await self.store.get(guild_id, added.drama_id)
        log.info("drama imported", extra={"guild_id": guild_id, "drama_id": added.drama_id})
        unused = release_time is not None and fully_timed(show, episodes)
        time_unused = f"{release_time:%H:%M}" if unused and release_time else None
        return ImportDone(added, snapshot, row.next_check_at if row else None, time_unused)

    async def _find(self, text: str) -> Show:
        """The show `text` names (an id, a link or a title).

        For a title whose TVmaze pick is not Korean (many K-drama titles are another
        country's show's too): the Korean show of exactly that name, when there is one.
        """
        show = await self.client.find(text)
        ref = parse_show_ref(text)
        if _korean(show) or not isinstance(ref, str):
            return show
        namesakes = await self.client.search(ref)
        wanted = ref.casefold()
        return next((s for s in namesakes if _korean(s) and s.name.casefold() == wanted), show)

    async def refresh(self, guild_id: int, name: str) -> Refreshed:
        """Check one imported drama against TVmaze now; apply and tell what changed."""
        drama = await self.service.resolve(guild_id, name)
        row = await self.store.get(guild_id, drama.drama_id)
        if row is None:
            raise InvalidInput(
                f"**{clean(drama.title, limit=100)}** was added by hand, not imported from "
                "TVmaze, so there is nothing to refresh. Use `/drama edit` to change it."
            )
        refreshed = await self._check(row)
        await self.arm()
        return refreshed

    # -- the checks -------------------------------------------------------------------------
    async def run_checks(self) -> None:
        """The job: run the due checks (a batch), then arm for the next."""
        await self.ready()
        if not self._running or self._scope is None:
            return
        now = self.clock.now()
        pause: datetime | None = None
        listings: dict[int, Listing] = {}  # a show several servers follow is fetched once
        for row in await self.store.due(self._scope, now, BATCH):
            try:
                await self._check(row, listings)
            except TvmazeUnavailable:
                await self._failed(row)
                pause = now + RETRY_FIRST  # TVmaze is busy or down: let it breathe
                break
            except UserFacingError:
                await self._failed(row)
            except Exception:
                log.exception(
                    "tvmaze check failed",
                    extra={"guild_id": row.guild_id, "drama_id": row.drama_id},
                )
                await self._failed(row)
        await self.arm(not_before=pause)

    async def _check(self, row: ImportRow, listings: dict[int, Listing] | None = None) -> Refreshed:
        listing = (listings or {}).get(row.show_id) or await self.client.listing(row.show_id)
        if listings is not None:
            listings[row.show_id] = listing
        snapshot = plan_import(listing.show, listing.episodes, row.release_time)
        now = self.clock.now()
        update = merge_import(row.snapshot, snapshot, row.overrides)
        if merge_import(row.snapshot, snapshot).empty:
            planned = await self.store.checked(row.drama_id, snapshot, now)
            await self.problems.clear(row.guild_id, tvmaze_failing(row.drama_id))
            drama = await self.service.drama(row.guild_id, row.drama_id)
            return Refreshed(drama, (), None, next_check=planned)
        lines: list[str] = []

        def told(before: Drama, after: Drama, at: datetime) -> str | None:
            changes = schedule_changes(before.spec, after.spec, at)
            lines.extend(change.line() for change in changes)
            return notice(after.title, changes)

        result = await self.service.change(
            row.guild_id, row.drama_id, [Imported(snapshot, row.release_time)], told
        )
        await self.problems.clear(row.guild_id, tvmaze_failing(row.drama_id))
        log.info(
            "tvmaze change applied", extra={"guild_id": row.guild_id, "drama_id": row.drama_id}
        )
        after = await self.store.get(row.guild_id, row.drama_id)
        return Refreshed(
            result.after,
            tuple(lines),
            result,
            kept=update.kept,
            next_check=after.next_check_at if after else None,
        )

    async def _failed(self, row: ImportRow) -> None:
        now = self.clock.now()
        try:
            failed = await self.store.failed(row.drama_id, now, retry_at(row.failures + 1, now))
        except NotFound:
            return  # removed meanwhile: nothing left to follow
        if keeps_failing(failed.failing_since, now):
            await self.problems.report(
                row.guild_id,
                tvmaze_failing(row.drama_id),
                f"I could not check **{clean(row.title, limit=100)}** on TVmaze for a day; "
                "its schedule may be out of date. I keep trying; `/drama refresh` tries now.",
            )


def _korean(show: Show) -> bool:
    try:
        check_korean(show)
    except UserFacingError:
        return False
    return True
