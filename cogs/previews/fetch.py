"""The security boundary: fetch a stranger's URL without letting it reach anything private.

Every connection's addresses are checked when the connection is made (our resolver and
connector), so a name that resolves to a public address for the first lookup and to
127.0.0.1 for the second (DNS rebinding) still cannot reach the inside. Redirects are
followed by hand and every hop is checked again. The body is streamed and cut at a cap
counted in decompressed bytes, under one overall deadline.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.ratelimit import HostPace
from cogs.previews.urls import (
    IPAddress,
    IPNetwork,
    UnsafeURL,
    check_url,
    connect_problem,
    normalise_url,
    parse_ip_literal,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
USER_AGENT = "Mozilla/5.0 (compatible; dramabot/1.0; link previews for Discord)"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchLimits:
    """Every bound of one fetch; tests shrink them to stay fast."""

    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    total_timeout: float = 10.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 5
    max_concurrent: int = 8
    host_interval: float = 0.5  # steady pace of request starts to one host...
    host_burst: int = 3  # ...after this many at once (a few pages of one site in parallel)
    queue_timeout: float = 20.0  # waiting for a free fetch slot (not the site's fault)
    max_pace_wait: float = 5.0  # longest wait for a host's next slot before "busy"


@dataclass(frozen=True)
class FetchedPage:
    """An HTML response, its body possibly cut at the cap."""

    url: str
    status: int
    content_type: str
    body: bytes
    truncated: bool


class FetchError(Exception):
    """The page could not be fetched; `message` is fit to show a fan."""

    def __init__(self, message: str) -> None:
        """Keep the sentence for the reply."""
        super().__init__(message)
        self.message = message


class FetchBusy(FetchError):
    """Too many fetches queued (overall or for one site): try later; never cached."""


BUSY = "I'm reading a lot of pages right now: try again in a minute."


class BlockedAddress(FetchError):
    """The link (or a redirect, or its DNS answer) points somewhere the bot must not go."""


class SingleFlight(Generic[T]):
    """Run one task per key at a time; concurrent callers share its result."""

    def __init__(self) -> None:
        """Start with nothing in flight."""
        self._tasks: dict[str, asyncio.Task[T]] = {}

    def in_flight(self, key: str) -> bool:
        """Whether a task for `key` is running."""
        return key in self._tasks

    async def run(self, key: str, factory: Callable[[], Awaitable[T]]) -> T:
        """Join the task for `key`, starting it if none runs."""
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(factory())
            self._tasks[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        # A caller that gives up (cancelled) must not cancel the others' fetch.
        return await asyncio.shield(task)

    def _forget(self, key: str, task: asyncio.Task[T]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()  # mark retrieved: every waiter already got it


def _check_addresses(
    host: str, port: int, addresses: Iterable[IPAddress], allowed: Sequence[IPNetwork]
) -> None:
    for address in addresses:
        problem = connect_problem(address, port, allowed)
        if problem is not None:
            # The host is what a user typed: not logged, like message content.
            log.info("preview connection refused: %s", problem)
            raise BlockedAddress(f"I can't preview that link: {problem}.")


class GuardedResolver(AbstractResolver):
    """A resolver that refuses a name if ANY of its addresses is not public.

    `hosts` replaces DNS with a fixed table (tests, or an operator's pinning).
    """

    def __init__(
        self,
        allowed: Sequence[IPNetwork] = (),
        hosts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Check against `allowed` exemptions; resolve from `hosts` or the system resolver."""
        self._allowed = tuple(allowed)
        # Looked up live (not copied), so a test can change the answers between lookups.
        self._hosts = hosts
        self._inner: AbstractResolver | None = None

    async def _lookup(self, host: str, port: int, family: socket.AddressFamily) -> list[str]:
        if self._hosts is not None:
            found = self._hosts.get(host.lower().rstrip("."))
            if found is None:
                raise FetchError("I couldn't find that website (DNS lookup failed).")
            return list(found)
        if self._inner is None:
            self._inner = aiohttp.ThreadedResolver()
        try:
            results = await self._inner.resolve(host, port, family)
        except OSError:
            raise FetchError("I couldn't find that website (DNS lookup failed).") from None
        return [result["host"] for result in results]

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve `host` and refuse it unless every address is allowed."""
        literal = parse_ip_literal(host)
        names = [str(literal)] if literal is not None else await self._lookup(host, port, family)
        addresses = [ipaddress.ip_address(name.split("%", 1)[0]) for name in names]
        if not addresses:
            raise FetchError("I couldn't find that website (no addresses).")
        _check_addresses(host, port, addresses, self._allowed)
        return [
            {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        """Close the system resolver if one was made."""
        if self._inner is not None:
            await self._inner.close()


class GuardedConnector(aiohttp.TCPConnector):
    """A connector that checks every address it is about to connect to, IP literals included.

    aiohttp skips the resolver for hosts that are already IP addresses; this re-checks what
    `_resolve_host` returns, so nothing reaches a socket unchecked.
    """

    def __init__(self, allowed: Sequence[IPNetwork], **kwargs: Any) -> None:
        """Check against `allowed` exemptions."""
        super().__init__(**kwargs)
        self._allowed = tuple(allowed)

    async def _resolve_host(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        results: list[ResolveResult] = await super()._resolve_host(host, port, *args, **kwargs)
        addresses = [ipaddress.ip_address(result["host"].split("%", 1)[0]) for result in results]
        _check_addresses(host, port, addresses, self._allowed)
        return results


class Fetcher:
    """Fetches HTML pages for previews, safely. One per bot; `close()` it on unload."""

    def __init__(
        self,
        allowed: Sequence[IPNetwork] = (),
        limits: FetchLimits | None = None,
        hosts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Build the fetcher; the HTTP session opens on first use."""
        self.allowed = tuple(allowed)
        self.limits = limits or FetchLimits()
        self._hosts = hosts
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(self.limits.max_concurrent)
        self._pace = HostPace(self.limits.host_interval, self.limits.host_burst)
        self._flight: SingleFlight[FetchedPage] = SingleFlight()
        self.upstream_requests = 0

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = GuardedConnector(
                self.allowed,
                resolver=GuardedResolver(self.allowed, self._hosts),
                use_dns_cache=False,
                limit=self.limits.max_concurrent * 2,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=self.limits.connect_timeout,
                    sock_read=self.limits.read_timeout,
                ),
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                    "Accept-Language": "en,ko;q=0.8,*;q=0.5",
                },
            )
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(self, url: str) -> FetchedPage:
        """Fetch `url` (one upstream fetch per normalised URL at a time).

        Raises:
            FetchError: with a sentence for the user; `BlockedAddress` when refused.
        """
        try:
            key = normalise_url(url)
        except UnsafeURL as error:
            raise BlockedAddress(str(error)) from None
        return await self._flight.run(key, lambda: self._fetch_bounded(url))

    async def _fetch_bounded(self, url: str) -> FetchedPage:
        # Waiting for a slot is our queue, not the site being slow: it has its own bound,
        # and the site's deadline starts once a slot is ours.
        try:
            async with asyncio.timeout(self.limits.queue_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise FetchBusy(BUSY) from None
        try:
            return await self._fetch_in_slot(url)
        finally:
            self._slots.release()

    async def _fetch_in_slot(self, url: str) -> FetchedPage:
        try:
            async with asyncio.timeout(self.limits.total_timeout) as deadline:
                return await self._follow(url, deadline)
        except TimeoutError:
            raise FetchError("The site took too long to answer.") from None
        except UnsafeURL as error:
            raise BlockedAddress(str(error)) from None
        except aiohttp.InvalidURL:
            raise BlockedAddress("That link's address is not valid.") from None
        except aiohttp.ClientError as error:
            log.info("preview fetch failed: %s", type(error).__name__)
            raise FetchError("I couldn't reach that website.") from None
        except ValueError:  # a redirect to something that is not a URL at all
            raise FetchError("That link redirects to an address that is not valid.") from None

    async def _follow(self, url: str, deadline: asyncio.Timeout) -> FetchedPage:
        session = self._open()
        current = url
        waited = 0.0  # pace waits of every hop share one budget
        for _hop in range(self.limits.max_redirects + 1):
            host, _port = check_url(current, self.allowed)
            waited += await self._pace_wait(host, deadline, self.limits.max_pace_wait - waited)
            self.upstream_requests += 1
            async with session.get(current, allow_redirects=False) as response:
                location = response.headers.get("Location")
                if response.status in REDIRECT_STATUSES and location:
                    current = urljoin(current, location.strip())
                    continue
                return await self._read(current, response)
        raise FetchError("That link redirects too many times.")

    async def _pace_wait(self, host: str, deadline: asyncio.Timeout, budget: float) -> float:
        """Wait for the host's next slot (at most `budget` s); it extends the deadline."""
        wait = self._pace.reserve(host, time.monotonic(), budget)
        if wait is None:
            raise FetchBusy(BUSY)
        if wait > 0:
            when = deadline.when()
            if when is not None:
                deadline.reschedule(when + wait)
            await asyncio.sleep(wait)
        return wait

    async def _read(self, url: str, response: aiohttp.ClientResponse) -> FetchedPage:
        if not 200 <= response.status < 300:
            raise FetchError(f"The site answered with an error ({response.status}).")
        content_type = response.headers.get("Content-Type", "")
        if content_type.split(";", 1)[0].strip().lower() not in HTML_TYPES:
            raise FetchError("That link is not a web page I can preview.")
        body = bytearray()
        truncated = False
        async for chunk in response.content.iter_chunked(CHUNK):
            body += chunk
            if len(body) >= self.limits.max_bytes:
                truncated = True
                del body[self.limits.max_bytes :]
                break
        return FetchedPage(str(response.url), response.status, content_type, bytes(body), truncated)
