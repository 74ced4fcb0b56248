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
from cogs.airtime.announce import refused_problem
from cogs.airtime.keys import cannot_announce
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.runner import CannotCheck, Problems, Sender, SendRefused


class LateCourier:
    """Delivers the late posts handed to the outbox, with the announcer's sender."""

    def __init__(
        self, ledger: LedgerStore, sender: Sender, problems: Problems, clock: Clock
    ) -> None:
        """Post with `sender`, settle rows in `ledger`, report refusals to `problems`."""
        self.ledger = ledger
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
        await self.ledger.settle_handed_over(tx, ids, key, state, message_id, self.clock.now())

    async def refused(self, notice: Notice, reason: str) -> None:
        """Tell moderators, like a refused announcement on time."""
        drama_id = int(notice.payload["drama_id"])
        title = str(notice.payload.get("title"))
        await self.problems.report(
            notice.guild_id,
            cannot_announce(drama_id),
            refused_problem(title, notice.channel_id, reason),
        )
