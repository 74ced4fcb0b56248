"""Late posts owed after a restart: the outbox delivers them through `LateCourier`.

`Announcer` hands them over (ledger row `sent` without a message, plus an outbox notice, in one
transaction); the courier posts them like an announcement on time (role ping, Follow button),
looks for them in the channel after a crash, and fills in the ledger row when done.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.db import Transaction
from bot.outbox import CannotCheck as NoticeUnverifiable
from bot.outbox import Notice, Undeliverable
from cogs.airtime.runner import CannotCheck, Problems, Sender, SendRefused, problem_key
from cogs.airtime.store import AirtimeStore


class LateCourier:
    """Delivers the late posts handed to the outbox, with the announcer's sender."""

    def __init__(
        self, store: AirtimeStore, sender: Sender, problems: Problems, clock: Clock
    ) -> None:
        """Post with `sender`, settle ledger rows in `store`, report refusals to `problems`."""
        self.store = store
        self.sender = sender
        self.problems = problems
        self.clock = clock

    async def send(self, notice: Notice) -> int:
        """Post with the role ping and the Follow button, like an announcement on time."""
        payload = notice.payload
        try:
            return await self.sender.send(
                notice.channel_id, notice.content, payload.get("role_id"), payload["drama_id"]
            )
        except SendRefused as refused:
            raise Undeliverable(refused.reason) from None

    async def find(self, notice: Notice, after: datetime) -> int | None:
        """Our post of this notice since `after`."""
        try:
            return await self.sender.find_sent(notice.channel_id, after, notice.content)
        except CannotCheck as error:
            raise NoticeUnverifiable(str(error)) from None

    async def settled(
        self, tx: Transaction, notice: Notice, state: str, message_id: int | None
    ) -> None:
        """Fill in the ledger row's message (or mark it failed), in the outbox's transaction."""
        key = (str(notice.payload["episode_key"]), str(notice.payload["kind"]))
        ids = (notice.guild_id, int(notice.payload["drama_id"]))
        await self.store.settle_handed_over(tx, ids, key, state, message_id, self.clock.now())

    async def refused(self, notice: Notice, reason: str) -> None:
        """Tell moderators, like a refused announcement on time."""
        drama_id = int(notice.payload["drama_id"])
        await self.problems.report_problem(
            notice.guild_id,
            "airtime",
            problem_key(drama_id),
            f"Airtime announcements for {notice.payload.get('title')!r} cannot be posted in "
            f"<#{notice.channel_id}>: {reason}",
        )
