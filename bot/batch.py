"""Group commit: many callers' small database requests run together, in one call.

A thousand announcements due at one instant each claim a ledger row: one transaction each
costs ~2 ms on SQLite (a turn through the database thread and a commit), one transaction for
all of them a few. Each caller still awaits its own answer; requests that arrive while a
batch runs form the next one. A batch that fails is retried request by request, so one bad
request (a row whose drama was just deleted) fails alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 500  # requests per call (an `IN :ids` list stays within every backend's limits)


class Batcher(Generic[T, R]):
    """`await batcher.submit(request)` answers with `run([..., request, ...])`'s matching result."""

    def __init__(
        self, run: Callable[[list[T]], Awaitable[list[R]]], max_batch: int = MAX_BATCH
    ) -> None:
        """`run` answers a list of requests with a list of results, in the same order."""
        self._run = run
        self._max = max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, request: T) -> R:
        """Run `request` with the others waiting now; return its result (or raise its error)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="batch")
        return await future

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # the other callers woken in this turn of the loop join in
        while self._pending:
            batch, self._pending = self._pending[: self._max], self._pending[self._max :]
            if len(batch) == 1:
                await self._one(*batch[0])
                continue
            try:
                results = await self._run([request for request, _ in batch])
            except Exception:
                for request, future in batch:
                    await self._one(request, future)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result)

    async def _one(self, request: T, future: asyncio.Future[R]) -> None:
        try:
            (result,) = await self._run([request])
        except Exception as error:
            _settle(future, None, error)
            return
        _settle(future, result)


def _settle(future: asyncio.Future[R], result: R | None, error: Exception | None = None) -> None:
    """Answer a caller (unless it gave up waiting)."""
    with contextlib.suppress(asyncio.InvalidStateError):
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]
