"""TVmaze's public API over HTTP, politely.

One call at a time through a gate that keeps under TVmaze's limit (20 calls per 10 s per
address; we allow ourselves fewer for latency's sake), waits out a 429's `Retry-After` and
backs off with jitter after a 5xx, a timeout or a dropped connection. Every failure ends as
a typed `TvmazeError` whose message a command can show as it is. No proxies from the
environment, no cookies, a size cap on every body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.ratelimit import SlidingWindow
from bot.replies import clean
from cogs.airtime.tvmaze_data import (
    MALFORMED,
    UNAVAILABLE,
    Episode,
    Show,
    TvmazeMalformed,
    TvmazeNotFound,
    TvmazeUnavailable,
    episodes_from_json,
    parse_show_ref,
    search_from_json,
    show_from_json,
    updates_from_json,
)

log = logging.getLogger(__name__)

USER_AGENT = "dramabot/0.1 (self-hosted Discord bot for K-drama airtimes)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 64 * 1024

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class TvmazeLimits:
    """Every bound of the client; tests shrink them."""

    calls: int = 18  # per `per` seconds: TVmaze allows 20, the rest is room for latency
    per: float = 10.0
    attempts: int = 4  # tries per call (the first and three retries)
    backoff: float = 2.0  # seconds before the first retry; doubles each time, with jitter
    max_backoff: float = 30.0
    max_pause: float = 60.0  # a longer Retry-After fails at once instead of hanging a command
    timeout: float = 10.0  # one request, connect to last byte
    max_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True)
class Listing:
    """A show with every episode TVmaze lists for it, specials included."""

    show: Show
    episodes: tuple[Episode, ...]


class _Retry(Exception):
    """The call may succeed later: TVmaze said so (429, 5xx) or the network failed."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After: 7` → 7.0; absent, negative or an HTTP date → None (use our backoff)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 86_400 else None


def backoff_delay(
    attempt: int, retry_after: float | None, limits: TvmazeLimits, rng: random.Random
) -> float:
    """Seconds to wait before retry number `attempt` (0-based): never before `Retry-After`."""
    if retry_after is not None:
        return retry_after + rng.uniform(0.0, 1.0)
    ceiling = min(limits.max_backoff, limits.backoff * 2.0**attempt)
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


class Gate:
    """One TVmaze call at a time, at most `calls` starts per `per` seconds, paused on demand.

    Every wait happens inside the turn, so a paused or throttled client holds back every
    caller, not just the one that was refused.
    """

    def __init__(self, limits: TvmazeLimits, clock: Clock, sleep: Sleep) -> None:
        """Pace by `clock` (seconds, monotonic) and wait with `sleep`."""
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._window = SlidingWindow(limits.calls, limits.per)
        self._resume = float("-inf")

    @asynccontextmanager
    async def turn(self, patience: float | None = None) -> AsyncIterator[None]:
        """Hold the one slot once the pause and the rate window allow a call to start.

        With `patience`, a call that would have to wait longer than that for its turn (the
        rate window full, a pause after a 429) fails at once instead.
        """
        async with self._lock:
            await self._wait(patience)
            yield

    def pause(self, seconds: float) -> None:
        """Start no call for `seconds` from now."""
        self._resume = max(self._resume, self._clock() + seconds)

    async def _wait(self, patience: float | None) -> None:
        limit = (
            self._limits.max_pause if patience is None else min(patience, self._limits.max_pause)
        )
        while True:
            now = self._clock()
            if self._resume - now > limit:
                raise TvmazeUnavailable(UNAVAILABLE)
            if now < self._resume:
                await self._sleep(self._resume - now)
                continue
            wait = self._window.retry_after("tvmaze", now)
            if wait <= 0:
                return
            if patience is not None and wait > patience:
                raise TvmazeUnavailable(UNAVAILABLE)
            await self._sleep(wait)


class TvmazeClient:
    """TVmaze's shows, episodes, search and updates. One per bot; `close()` it on unload."""

    def __init__(
        self,
        base_url: str,
        limits: TvmazeLimits | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """Talk to `base_url` (the `TVMAZE_API_URL` setting); the session opens on first use."""
        self.base_url = base_url.rstrip("/")
        self.limits = limits or TvmazeLimits()
        self._gate = Gate(self.limits, clock, sleep)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._session: aiohttp.ClientSession | None = None
        self.requests = 0  # upstream requests sent, retries included

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                connector=aiohttp.TCPConnector(limit=2),
                timeout=aiohttp.ClientTimeout(total=self.limits.timeout),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            )
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def search(self, query: str, *, patience: float | None = None) -> tuple[Show, ...]:
        """Shows whose name matches `query`, best first (TVmaze returns at most 10).

        With `patience` (for autocomplete, which cannot wait): one attempt, and it fails at
        once rather than wait longer than that for its turn.
        """
        found = await self._get("/search/shows", {"q": query}, "", patience=patience)
        return search_from_json(found)

    async def singlesearch(self, query: str) -> Show:
        """The one show TVmaze picks for `query`; `TvmazeNotFound` when none matches."""
        missing = (
            f"TVmaze has no show called “{clean(query, limit=60)}”. Check the spelling, "
            "pick one from the suggestions, or paste its TVmaze link."
        )
        return show_from_json(await self._get("/singlesearch/shows", {"q": query}, missing))

    async def show(self, show_id: int) -> Show:
        """The show with that TVmaze id."""
        return show_from_json(await self._get(f"/shows/{show_id}", None, _no_id(show_id)))

    async def episodes(self, show_id: int) -> tuple[Episode, ...]:
        """Every episode of the show, specials included, in TVmaze's order."""
        path = f"/shows/{show_id}/episodes"
        return episodes_from_json(await self._get(path, {"specials": "1"}, _no_id(show_id)))

    async def listing(self, show_id: int) -> Listing:
        """The show and its episodes (two calls)."""
        show = await self.show(show_id)
        return Listing(show, await self.episodes(show_id))

    async def find(self, text: str) -> Show:
        """The show a moderator named: a TVmaze id, a TVmaze show link or a title."""
        ref = parse_show_ref(text)
        return await (self.show(ref) if isinstance(ref, int) else self.singlesearch(ref))

    async def updates(self, since: str = "day") -> dict[int, int]:
        """`{show id: updated}` for shows TVmaze changed in the last `day`, `week` or `month`."""
        if since not in {"day", "week", "month"}:
            raise ValueError(since)
        return updates_from_json(await self._get("/updates/shows", {"since": since}, ""))

    async def _get(
        self,
        path: str,
        params: Mapping[str, str] | None,
        missing: str,
        *,
        patience: float | None = None,
    ) -> Any:
        """The decoded JSON of one call, retried on 429, 5xx and network failures."""
        attempts = self.limits.attempts if patience is None else 1
        for attempt in range(attempts):
            async with self._gate.turn(patience):
                try:
                    return await self._fetch(path, params, missing)
                except _Retry as retry:
                    delay = backoff_delay(attempt, retry.retry_after, self.limits, self._rng)
                    log.info("tvmaze %s: %s; waiting %.1f s", path, retry.reason, delay)
                    self._gate.pause(delay)
        log.warning("tvmaze %s: giving up after %d attempts", path, attempts)
        raise TvmazeUnavailable(UNAVAILABLE)

    async def _fetch(self, path: str, params: Mapping[str, str] | None, missing: str) -> Any:
        session = self._open()
        self.requests += 1
        try:
            async with session.get(self.base_url + path, params=params, max_redirects=3) as resp:
                return await self._decode(resp, missing)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _Retry(type(error).__name__) from None

    async def _decode(self, response: aiohttp.ClientResponse, missing: str) -> Any:
        status = response.status
        if status == 404:
            raise TvmazeNotFound(missing or UNAVAILABLE)
        if status in RETRY_STATUSES:
            raise _Retry(f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After")))
        if status != 200:
            log.warning("tvmaze %s answered HTTP %s", response.url.path, status)
            raise TvmazeUnavailable(UNAVAILABLE)
        body = await self._body(response)
        try:
            return json.loads(body)
        except ValueError:
            log.warning("tvmaze %s sent a body that is not JSON", response.url.path)
            raise TvmazeMalformed(MALFORMED) from None

    async def _body(self, response: aiohttp.ClientResponse) -> bytes:
        cap = self.limits.max_bytes
        if (response.content_length or 0) > cap:
            raise TvmazeMalformed(MALFORMED)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > cap:
                log.warning("tvmaze %s sent more than %d bytes", response.url.path, cap)
                raise TvmazeMalformed(MALFORMED)
            chunks.append(chunk)
        return b"".join(chunks)


def _no_id(show_id: int) -> str:
    return (
        f"TVmaze has no show with id {show_id}. Check the number, or paste the show's "
        "TVmaze link (https://www.tvmaze.com/shows/…)."
    )
