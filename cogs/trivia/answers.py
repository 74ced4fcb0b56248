"""Answers are committed in groups, and a player is told "locked in" only once theirs is.

A burst of clicks on one question (2,000 players at once) used to mean 2,000 transactions one
after the other on the bot's one connection, each click waiting for all the ones before it:
the last ones were acknowledged after Discord's 3 seconds and lost. Here a click queues its
answer and waits; a single writer commits whatever is queued in one transaction (while it
commits, the next group gathers), then releases every click of the group to acknowledge.
No timer: an answer alone is committed at once, and under load the groups grow by themselves.

Acknowledging only after the commit keeps the house rule (every write that must not be lost
is committed before the bot answers "done"): a kill -9 can lose only clicks that were never
acknowledged, which their players saw fail. The writer is flushed before a question's reveal,
when a game ends and when the cog unloads (SIGTERM), so the database always holds what the
channel is shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from cogs.trivia.game import Answer
from cogs.trivia.store import TriviaStore

log = logging.getLogger(__name__)

MAX_GROUP = 1000  # answers per transaction (a bigger queue is committed in several)


@dataclass(frozen=True)
class Pending:
    """An answer waiting for its group's commit."""

    game_id: int
    guild_id: int
    answer: Answer
    at: int
    done: asyncio.Future[None]


class AnswerWriter:
    """The one writer of trivia answers; see the module docstring."""

    def __init__(self, store: TriviaStore) -> None:
        """Write through `store`; `start()` begins."""
        self.store = store
        self._queue: list[Pending] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the writer task."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="trivia-answers")

    async def stop(self) -> None:
        """Commit what is queued, then stop (an answer recorded later is committed at once)."""
        await self.flush()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()  # whatever was queued while the task was being stopped

    async def record(self, game_id: int, guild_id: int, answer: Answer, at: int) -> None:
        """Queue one answer and return once it is committed (raises if the commit failed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(Pending(game_id, guild_id, answer, at, done))
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            await self.flush()  # no writer running (stopped): commit here
        await done

    async def flush(self) -> None:
        """Return once every answer queued so far is committed (or failed)."""
        if self._task is None or self._task.done():
            while self._queue:  # not running (stopped, or never started): commit here
                await self._commit()
            self._idle.set()
            return
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                await self._commit()
            if not self._queue:
                self._idle.set()

    async def _commit(self) -> None:
        group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
        try:
            await self.store.record_answers(
                [(p.game_id, p.guild_id, p.answer, p.at) for p in group]
            )
        except Exception as error:
            log.exception("trivia answers not saved", extra={"answers": len(group)})
            for pending in group:
                if not pending.done.done():
                    pending.done.set_exception(error)
            return
        for pending in group:
            if not pending.done.done():
                pending.done.set_result(None)
