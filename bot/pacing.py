"""Requests spread under Discord's global limit, servers served in turn.

Discord answers 429 past 50 requests a second from one bot (interaction answers excepted);
discord.py then waits and retries, but gives up after a few tries, and which waiting request
goes next is luck: a server with 40 announcements due could hold back one with a single
post for the whole burst. A `FairPacer` starts at most `rate` requests a second and, when
requests wait, takes them one server at a time in turn; with nothing waiting a request
starts at once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

# Under Discord's 50 a second, leaving room for the bot's other requests in that second.
GLOBAL_RATE = 49.0


class RoundRobin(Generic[T]):
    """Items queued by key and taken one key at a time, in turn (first come within a key)."""

    def __init__(self) -> None:
        """An empty queue."""
        self._queues: OrderedDict[Hashable, deque[T]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys have items waiting."""
        return len(self._queues)

    def push(self, key: Hashable, item: T) -> None:
        """Queue `item` behind `key`'s earlier ones; a new key joins the end of the turn."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        queue.append(item)

    def pop(self) -> T:
        """The oldest item of the key whose turn it is; that key goes to the end of the turn."""
        key, queue = next(iter(self._queues.items()))
        item = queue.popleft()
        del self._queues[key]
        if queue:
            self._queues[key] = queue
        return item


class FairPacer:
    """At most `rate` starts a second; waiting callers are let go one key (server) at a time."""

    def __init__(self, rate: float = GLOBAL_RATE) -> None:
        """Pace at `rate` starts a second."""
        self._interval = 1.0 / rate
        self._waiting: RoundRobin[asyncio.Future[None]] = RoundRobin()
        self._next_start = 0.0  # event-loop time
        self._task: asyncio.Task[None] | None = None

    async def turn(self, key: Hashable) -> None:
        """Return when `key` may start its request (at once when nobody waits and it is time)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._waiting and now >= self._next_start:
            self._next_start = now + self._interval
            return
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.push(key, future)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._serve(), name="fair pacer")
        await future

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            delay = self._next_start - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            future = self._waiting.pop()
            if future.done():  # its caller gave up waiting
                continue
            future.set_result(None)
            self._next_start = loop.time() + self._interval
