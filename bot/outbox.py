"""The outbox: what the bot owes a channel, delivered once, whatever crashes in between.

A feature writes a notice with `Outbox.owe(conn, ...)` inside the very transaction that makes
it owed (a trivia game marked interrupted, an airtime announcement decided late), so the debt
and its notice are committed together or not at all. The delivery loop, started once the cogs
are loaded (REST only: it works before the gateway is ready), hands each open notice to its
feature's `Courier`, like the airtime ledger:

1. claim: pending -> claimed, committed before the send;
2. send;
3. mark: sent (with the message id) or failed (Discord refused), committed together with the
   courier's own bookkeeping (`Courier.settled`).

A notice found claimed (the run that claimed it died, or the send's outcome was unknown) is
settled by looking for the message in the channel since the claim: found -> sent; absent ->
sent again; the channel unreadable -> uncertain and never re-sent (a duplicate, maybe a ping,
is worse than one missing post). One channel's notices go out one at a time and in order, so
a message found after a claim can only be that claim's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.clock import Clock
from bot.db import Database, Row, Transaction
from bot.replies import NO_PINGS
from bot.shards import GuildScope
from bot.timeutil import from_unix_or_none, to_unix

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

CLAIM_SLACK = timedelta(seconds=5)  # clocks: Discord's snowflake time vs ours
HISTORY_LIMIT = 100
RETRY_SECONDS = (2.0, 5.0, 15.0, 60.0)  # after a pass that left notices unsettled
STOP_GRACE_SECONDS = 5.0
_COLUMNS = (
    "notice_id, feature, notice_key, guild_id, channel_id, content, payload, state, claimed_at"
)


class Undeliverable(Exception):
    """Discord refused the notice for a reason a retry will not fix (channel gone, 403)."""

    def __init__(self, reason: str) -> None:
        """`reason` is for the log and the feature's moderators."""
        super().__init__(reason)
        self.reason = reason


class CannotCheck(Exception):
    """The channel's recent messages could not be read."""


@dataclass(frozen=True)
class Notice:
    """One owed message."""

    notice_id: int
    feature: str
    key: str
    guild_id: int
    channel_id: int
    content: str
    payload: Mapping[str, Any]
    state: str
    claimed_at: datetime | None


class Courier(Protocol):
    """How one feature's notices reach Discord, and what it records when they did."""

    async def send(self, notice: Notice) -> int:
        """Post the notice and return the message id; raise `Undeliverable` on a refusal."""
        ...

    async def find(self, notice: Notice, after: datetime) -> int | None:
        """Our message for this notice posted after `after`, or None; `CannotCheck` if unknown."""
        ...

    async def settled(
        self, tx: Transaction, notice: Notice, state: str, message_id: int | None
    ) -> None:
        """Record the outcome in the feature's own tables, in the outbox's transaction."""
        ...

    async def refused(self, notice: Notice, reason: str) -> None:
        """After a refusal was recorded: tell whoever must fix it."""
        ...


class ChannelCourier:
    """Posts a notice's text in its channel, pinging no one; features may refine it."""

    def __init__(self, bot: DramaBot) -> None:
        """Use the bot's REST client."""
        self.bot = bot

    def mentions(self, notice: Notice) -> discord.AllowedMentions:
        """Who the notice may ping (no one)."""
        return NO_PINGS

    def view(self, notice: Notice) -> discord.ui.View | None:
        """Components to post with the notice (none)."""
        return None

    async def send(self, notice: Notice) -> int:
        """Post the notice; `Undeliverable` when the channel is gone or closed to the bot."""
        channel = self.bot.get_partial_messageable(notice.channel_id, guild_id=notice.guild_id)
        view = self.view(notice)
        try:
            if view is None:
                message = await channel.send(notice.content, allowed_mentions=self.mentions(notice))
            else:
                message = await channel.send(
                    notice.content, allowed_mentions=self.mentions(notice), view=view
                )
        except discord.NotFound:
            raise Undeliverable("the channel no longer exists") from None
        except discord.Forbidden:
            raise Undeliverable("I lack View Channel or Send Messages there") from None
        return message.id

    async def find(self, notice: Notice, after: datetime) -> int | None:
        """Our message with exactly the notice's text, posted after `after`."""
        channel = self.bot.get_partial_messageable(notice.channel_id, guild_id=notice.guild_id)
        me = self.bot.user.id if self.bot.user else None
        marker = discord.Object(id=discord.utils.time_snowflake(after))
        try:
            async for message in channel.history(limit=HISTORY_LIMIT, after=marker):
                if message.author.id == me and message.content == notice.content:
                    return message.id
        except discord.HTTPException as error:
            raise CannotCheck(str(error.status)) from None
        return None

    async def settled(
        self, tx: Transaction, notice: Notice, state: str, message_id: int | None
    ) -> None:
        """Nothing of the feature's own to record."""

    async def refused(self, notice: Notice, reason: str) -> None:
        """Log it; the notice is dropped."""
        log.warning(
            "notice refused by Discord: %s",
            reason,
            extra={"notice_id": notice.notice_id, "channel_id": notice.channel_id},
        )


def _notice(row: Row) -> Notice:
    return Notice(
        notice_id=row["notice_id"],
        feature=row["feature"],
        key=row["notice_key"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        content=row["content"],
        payload=json.loads(row["payload"] or "{}"),
        state=row["state"],
        claimed_at=from_unix_or_none(row["claimed_at"]),
    )


class Outbox:
    """The `outbox` table and the task that delivers it."""

    def __init__(self, db: Database, clock: Clock) -> None:
        """Nothing is delivered until `start()`, and only for registered features."""
        self.db = db
        self.clock = clock
        self._couriers: dict[str, Courier] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._scope = GuildScope.everything()

    def register(self, feature: str, courier: Courier) -> None:
        """Deliver `feature`'s notices through `courier` (a cog does this when it loads)."""
        self._couriers[feature] = courier
        self.wake()

    def unregister(self, feature: str) -> None:
        """Stop delivering `feature`'s notices (its cog unloaded); they wait in the table."""
        self._couriers.pop(feature, None)

    async def owe(
        self,
        tx: Transaction,
        *,
        feature: str,
        key: str,
        guild_id: int,
        channel_id: int,
        content: str,
        payload: Mapping[str, Any] | None = None,
    ) -> bool:
        """Write a notice in the caller's transaction; False if `key` was owed already.

        Call `wake()` once the transaction is committed.
        """
        written = await tx.fetch_one(
            "INSERT INTO outbox (feature, notice_key, guild_id, channel_id, content, payload, "
            "created_at) VALUES (:feature, :key, :guild_id, :channel_id, :content, :payload, "
            ":now) ON CONFLICT (notice_key) DO NOTHING RETURNING notice_id",
            {
                "feature": feature,
                "key": key,
                "guild_id": guild_id,
                "channel_id": channel_id,
                "content": content,
                "payload": json.dumps(dict(payload or {})),
                "now": to_unix(self.clock.now()),
            },
        )
        return written is not None

    def wake(self) -> None:
        """Deliver what is open now rather than at the next retry."""
        self._wake.set()

    async def open_notices(self) -> list[Notice]:
        """This process's notices not yet settled (its guilds only), oldest first."""
        owned, params = self._scope.where("guild_id")
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('pending', 'claimed') "  # noqa: S608 - fixed columns, generated condition
            f"AND {owned} ORDER BY notice_id",
            params,
        )
        return [_notice(row) for row in rows]

    # --- the delivery task ---------------------------------------------------------------
    def start(self, scope: GuildScope | None = None) -> None:
        """Start delivering the notices of `scope`'s guilds (and what is owed later)."""
        if scope is not None:
            self._scope = scope
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Let a send in flight finish (bounded), then stop; open notices wait for next time."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None:
            return
        self.wake()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
            await asyncio.wait_for(asyncio.shield(task), timeout=STOP_GRACE_SECONDS)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    async def _run(self) -> None:
        failures = 0
        while True:
            self._wake.clear()
            try:
                settled = await self.deliver()
            except Exception:
                log.exception("notice delivery failed")
                settled = False
            failures = 0 if settled else min(failures + 1, len(RETRY_SECONDS))
            wait = None if settled else RETRY_SECONDS[failures - 1]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            if self._stopping:
                return

    async def deliver(self) -> bool:
        """One pass over the open notices; True when none is left waiting for a retry."""
        blocked: set[int] = set()
        settled = True
        for notice in await self.open_notices():
            courier = self._couriers.get(notice.feature)
            if courier is None or self._stopping:
                continue  # its cog is not loaded (yet): the notice waits
            if notice.channel_id in blocked or not await self._deliver_one(courier, notice):
                blocked.add(notice.channel_id)  # keep the channel's notices in order
                settled = False
        return settled

    async def _deliver_one(self, courier: Courier, notice: Notice) -> bool:
        """Claim (or check a claim), send, mark; False when it must be tried again later."""
        extra = {"notice_id": notice.notice_id, "feature": notice.feature}
        if notice.claimed_at is not None:
            try:
                found = await courier.find(notice, notice.claimed_at - CLAIM_SLACK)
            except CannotCheck:
                log.warning("claimed notice unverifiable; not re-sent", extra=extra)
                await self._settle(courier, notice, "uncertain", None)
                return True
            if found is not None:
                log.info("claimed notice was sent before; marked", extra=extra)
                await self._settle(courier, notice, "sent", found)
                return True
        elif not await self._claim(notice):
            return True  # settled meanwhile
        try:
            message_id = await courier.send(notice)
        except Undeliverable as refused:
            await self._settle(courier, notice, "failed", None)
            await courier.refused(notice, refused.reason)
            return True
        except Exception:
            # Outcome unknown (a 5xx after retries, a dropped connection): the claim stays and
            # the next pass looks for the message before sending again.
            log.exception("notice send failed; will check and retry", extra=extra)
            return False
        await self._settle(courier, notice, "sent", message_id)
        log.info("notice delivered", extra=extra)
        return True

    async def _claim(self, notice: Notice) -> bool:
        claimed = await self.db.execute_returning(
            "UPDATE outbox SET state = 'claimed', claimed_at = :now, attempts = attempts + 1 "
            "WHERE notice_id = :notice_id AND state = 'pending' RETURNING notice_id",
            {"now": to_unix(self.clock.now()), "notice_id": notice.notice_id},
        )
        return claimed is not None

    async def _settle(
        self, courier: Courier, notice: Notice, state: str, message_id: int | None
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET state = :state, message_id = :message_id, done_at = :now "
                "WHERE notice_id = :notice_id",
                {
                    "state": state,
                    "message_id": message_id,
                    "now": to_unix(self.clock.now()),
                    "notice_id": notice.notice_id,
                },
            )
            await courier.settled(tx, notice, state, message_id)
