"""The fetcher against real sockets on loopback: what it fetches and everything it refuses.

Articles are served from 127.0.0.2 (exempt through PREVIEW_ALLOWED_NETWORKS semantics). An
"internal" server listens on 127.0.0.1: every refusal test also proves that it was never
reached. DNS is the outside world, so names come from a table injected into our resolver.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import ipaddress
import time
import tracemalloc
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cogs.previews.fetch import BlockedAddress, FetchBusy, Fetcher, FetchError, FetchLimits
from cogs.previews.urls import IPNetwork
from tests.previews.helpers import Site

ALLOWED: tuple[IPNetwork, ...] = (ipaddress.ip_network("127.0.0.2/32"),)
PAGE = b"<html><head><meta property='og:title' content='Hello'></head><body></body></html>"
BOMB = gzip.compress(b"<html><body>" + b"A" * (64 * 1024 * 1024), compresslevel=9)


def article_app(servers: Site) -> web.Application:
    async def count(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        servers.hits[request.path] = servers.hits.get(request.path, 0) + 1
        return response

    async def page(request: web.Request) -> web.StreamResponse:
        return await count(request, web.Response(body=PAGE, content_type="text/html"))

    async def slow_page(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.2)
        return await count(request, web.Response(body=PAGE, content_type="text/html"))

    async def redirect(request: web.Request) -> web.StreamResponse:
        target = request.query["to"].replace("PORT", str(servers.internal.port))
        return await count(request, web.Response(status=302, headers={"Location": target}))

    async def loop(request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        target = "/page" if n >= int(request.query.get("stop", "99")) else f"/loop/{n + 1}"
        if "stop" in request.query:
            target += f"?stop={request.query['stop']}" if target != "/page" else ""
        return await count(request, web.Response(status=301, headers={"Location": target}))

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        servers.hits["/drip"] = servers.hits.get("/drip", 0) + 1
        for _ in range(200):
            await response.write(b"<p>x</p>")
            await asyncio.sleep(0.05)
        return response

    async def bomb(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        return await count(request, web.Response(body=BOMB, headers=headers))

    async def image(request: web.Request) -> web.StreamResponse:
        return await count(request, web.Response(body=b"\x89PNG", content_type="image/png"))

    async def missing(request: web.Request) -> web.StreamResponse:
        return await count(request, web.Response(status=404, text="nope"))

    async def typed(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": request.query["t"]}
        return await count(request, web.Response(body=PAGE, headers=headers))

    async def big_headers(request: web.Request) -> web.StreamResponse:
        many = int(request.query.get("many", "1"))
        size = int(request.query.get("size", "10"))
        response = web.Response(body=PAGE, content_type="text/html")
        for i in range(many):
            response.headers[f"X-Filler-{i}"] = "a" * size
        return await count(request, response)

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        servers.hits["/endless"] = servers.hits.get("/endless", 0) + 1
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:  # chunked, as fast as the client reads, forever
                await response.write(b"<p>" + b"x" * 65536 + b"</p>")
        return response

    async def short_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = 100_000  # promises 100 kB, sends 5 bytes, then stalls
        await response.prepare(request)
        await response.write(b"hello")
        await asyncio.sleep(5)
        return response

    app = web.Application()
    app.router.add_get("/endless", endless)
    app.router.add_get("/short-body", short_body)
    app.router.add_get("/headers", big_headers)
    app.router.add_get("/typed", typed)
    app.router.add_get("/page", page)
    app.router.add_get("/slow", slow_page)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/loop/{n}", loop)
    app.router.add_get("/drip", drip)
    app.router.add_get("/bomb", bomb)
    app.router.add_get("/image", image)
    app.router.add_get("/missing", missing)
    return app


@pytest.fixture
async def servers() -> AsyncIterator[Site]:
    async def internal_handler(request: web.Request) -> web.Response:
        box.internal_hits += 1
        return web.Response(body=b"<title>SECRET</title>", content_type="text/html")

    internal_app = web.Application()
    internal_app.router.add_route("*", "/{tail:.*}", internal_handler)
    internal = TestServer(internal_app, host="127.0.0.1")
    await internal.start_server()
    box = Site(article=None, internal=internal)  # type: ignore[arg-type]
    box.article = TestServer(article_app(box), host="127.0.0.2")
    await box.article.start_server()
    try:
        yield box
    finally:
        await box.article.close()
        await internal.close()
    # Every test here: nothing ever reached the internal service.
    assert box.internal_hits == 0


class LiveTable(dict[str, list[str]]):
    """A DNS table a test can change between lookups (rebinding)."""


@pytest.fixture
def dns() -> LiveTable:
    return LiveTable(
        {
            "news.test": ["127.0.0.2"],
            "internal.test": ["127.0.0.1"],
            "metadata.test": ["169.254.169.254"],
            "mixed.test": ["127.0.0.2", "127.0.0.1"],
            "mapped.test": ["::ffff:127.0.0.1"],
            "translated.test": ["::ffff:0:7f00:1"],
            "nat64.test": ["64:ff9b::7f00:1"],
            "zone.test": ["fe80::1%eth0"],
            "ula.test": ["fd00::1"],
            "public.test": ["93.184.216.34"],
            "rebind.test": ["127.0.0.2"],
        }
    )


@pytest.fixture
async def fetcher(dns: LiveTable) -> AsyncIterator[Fetcher]:
    limits = FetchLimits(connect_timeout=1, read_timeout=0.3, total_timeout=0.6, host_interval=0)
    fetcher = Fetcher(ALLOWED, limits, hosts=dns)
    try:
        yield fetcher
    finally:
        await fetcher.close()


async def test_fetches_an_allowed_page(servers: Site, fetcher: Fetcher) -> None:
    page = await fetcher.fetch(servers.url("/page"))
    assert page.body == PAGE
    assert page.status == 200
    assert not page.truncated


async def test_fetches_through_a_name(servers: Site, fetcher: Fetcher) -> None:
    page = await fetcher.fetch(f"http://news.test:{servers.article.port}/page")
    assert page.body == PAGE


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "127.0.0.1.",
        "[::ffff:127.0.0.1]",
        "[::1]",
        "[::ffff:7f00:1]",
        "localhost",
        "internal.test",
        "metadata.test",
        "mixed.test",
        "mapped.test",
        "translated.test",
        "nat64.test",
        "zone.test",
        "ula.test",
        "[::ffff:0:127.0.0.1]",
        "[::]",
        "0.0.0.0",  # noqa: S104 - a value under test, not a bind
    ],
)
async def test_blocked_hosts(servers: Site, fetcher: Fetcher, host: str) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(f"http://{host}:{servers.internal.port}/secret")
    if host != "localhost":  # not in the injected table: refused as unknown, never resolved
        assert isinstance(caught.value, BlockedAddress)


@pytest.mark.parametrize(
    "url",
    [
        "http://public.test:8080/",
        "http://93.184.216.34:22/",
        "ftp://news.test/",
        "http://user:secret@news.test/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
async def test_refused_before_connecting(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(BlockedAddress):
        await fetcher.fetch(url)
    assert fetcher.upstream_requests <= 1


async def test_dns_rebinding_is_checked_at_connect_time(
    servers: Site, fetcher: Fetcher, dns: LiveTable
) -> None:
    url = f"http://rebind.test:{servers.article.port}/page"
    assert (await fetcher.fetch(url)).body == PAGE
    dns["rebind.test"] = ["127.0.0.1"]  # the name now points inside
    with pytest.raises(BlockedAddress):
        await fetcher.fetch(f"http://rebind.test:{servers.internal.port}/page")


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:PORT/secret",
        "http://2130706433:PORT/secret",
        "http://internal.test:PORT/secret",
        "http://[::ffff:127.0.0.1]:PORT/secret",
        "file:///etc/passwd",
        "http://user:pw@news.test:PORT/",
        "//127.0.0.1:PORT/secret",  # protocol-relative
        "//internal.test:PORT/secret",
        "gopher://127.0.0.1:PORT/_GET",
        "data:text/html,<title>x</title>",
        "javascript:alert(1)",
        "http://[::ffff:0:127.0.0.1]:PORT/",
        "http://metadata.test/latest/meta-data/",
    ],
)
async def test_redirect_to_a_blocked_address(servers: Site, fetcher: Fetcher, target: str) -> None:
    with pytest.raises(BlockedAddress):
        await fetcher.fetch(servers.url(f"/redirect?to={target}"))
    assert servers.hits["/redirect"] == 1


async def test_five_redirects_are_followed(servers: Site, fetcher: Fetcher) -> None:
    page = await fetcher.fetch(servers.url("/loop/1?stop=5"))
    assert page.body == PAGE
    assert page.url.endswith("/page")


async def test_too_many_redirects(servers: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="redirects too many"):
        await fetcher.fetch(servers.url("/loop/1"))
    assert sum(v for k, v in servers.hits.items() if k.startswith("/loop/")) == 6


async def test_slow_drip_hits_the_deadline(servers: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="too long"):
        await fetcher.fetch(servers.url("/drip"))
    assert servers.hits["/drip"] == 1


async def test_gzip_bomb_is_cut_at_the_decompressed_cap(servers: Site, fetcher: Fetcher) -> None:
    assert len(BOMB) < 1024 * 1024  # small on the wire, 64 MiB inflated
    page = await fetcher.fetch(servers.url("/bomb"))
    assert page.truncated
    assert len(page.body) == fetcher.limits.max_bytes
    assert page.body.startswith(b"<html><body>AAAA")


async def test_wrong_content_type_refused(servers: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="not a web page"):
        await fetcher.fetch(servers.url("/image"))


async def test_error_status_refused(servers: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="404"):
        await fetcher.fetch(servers.url("/missing"))


async def test_single_flight(servers: Site, fetcher: Fetcher) -> None:
    variants = [servers.url("/slow"), servers.url("/slow#top"), servers.url("/slow?utm_source=x")]
    pages = await asyncio.gather(*(fetcher.fetch(variants[i % 3]) for i in range(50)))
    assert all(page.body == PAGE for page in pages)
    assert servers.hits["/slow"] == 1
    assert fetcher.upstream_requests == 1
    # Once done, the next request fetches again (caching is the service's job).
    await fetcher.fetch(servers.url("/slow"))
    assert servers.hits["/slow"] == 2


async def test_global_cap_and_host_pace(servers: Site, dns: LiveTable) -> None:
    limits = FetchLimits(max_concurrent=1, host_interval=0.1, host_burst=1, total_timeout=5)
    paced = Fetcher(ALLOWED, limits, hosts=dns)
    try:
        start = time.monotonic()
        await asyncio.gather(*(paced.fetch(servers.url(f"/page?n={i}")) for i in range(4)))
        assert time.monotonic() - start >= 0.3
    finally:
        await paced.close()
    assert servers.hits["/page"] == 4


async def test_environment_proxy_is_ignored(
    servers: Site, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{servers.internal.port}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{servers.internal.port}")
    assert (await fetcher.fetch(servers.url("/page"))).body == PAGE


async def test_redirect_to_garbage(servers: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError):
        await fetcher.fetch(servers.url("/redirect?to=http://[::1"))


async def test_waiting_for_a_slot_does_not_count_against_the_deadline(
    servers: Site, dns: LiveTable
) -> None:
    # One fetch at a time, each 0.2 s: the fourth waits 0.6 s for its turn. The site was not
    # slow, so it must not be reported (and cached) as "took too long".
    limits = FetchLimits(max_concurrent=1, host_interval=0, total_timeout=0.5)
    queued = Fetcher(ALLOWED, limits, hosts=dns)
    try:
        pages = await asyncio.gather(*(queued.fetch(servers.url(f"/slow?n={i}")) for i in range(4)))
    finally:
        await queued.close()
    assert [page.body for page in pages] == [PAGE] * 4


async def test_host_pace_backlog_is_refused_as_busy(servers: Site, dns: LiveTable) -> None:
    limits = FetchLimits(host_interval=0.2, host_burst=1, max_pace_wait=0.5, total_timeout=5)
    paced = Fetcher(ALLOWED, limits, hosts=dns)
    try:
        results = await asyncio.gather(
            *(paced.fetch(servers.url(f"/page?n={i}")) for i in range(6)), return_exceptions=True
        )
    finally:
        await paced.close()
    busy = [r for r in results if isinstance(r, FetchBusy)]
    # Starts at 0, 0.2 and 0.4 s fit; the rest would queue longer than 0.5 s.
    assert len(busy) == 3
    assert servers.hits["/page"] == 3


async def test_a_few_pages_of_one_site_are_fetched_at_once_then_paced(
    servers: Site, dns: LiveTable
) -> None:
    # A pace of one start per minute: only the burst can start without a long wait, so
    # the fourth page, which would wait that minute, is refused as busy.
    limits = FetchLimits(host_interval=60, host_burst=3, max_pace_wait=1, total_timeout=5)
    paced = Fetcher(ALLOWED, limits, hosts=dns)
    try:
        results = await asyncio.gather(
            *(paced.fetch(servers.url(f"/page?n={i}")) for i in range(4)), return_exceptions=True
        )
    finally:
        await paced.close()
    assert [isinstance(r, FetchBusy) for r in results].count(True) == 1
    assert servers.hits["/page"] == 3


async def test_gzip_bomb_is_inflated_in_small_steps(servers: Site, fetcher: Fetcher) -> None:
    # The cap must hold for memory too: inflating a whole network read at once (64 KiB in,
    # 64 MiB out) would be the bomb going off before the cap is checked.
    tracemalloc.start()
    try:
        page = await fetcher.fetch(servers.url("/bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert page.truncated
    assert peak < 16 * 1024 * 1024


async def test_single_flight_survives_a_cancelled_waiter(servers: Site, fetcher: Fetcher) -> None:
    url = servers.url("/slow")
    first = asyncio.ensure_future(fetcher.fetch(url))
    others = [asyncio.ensure_future(fetcher.fetch(url)) for _ in range(3)]
    await asyncio.sleep(0.05)
    first.cancel()  # the fan who started it gave up; the others still want the page
    pages = await asyncio.wait_for(asyncio.gather(*others), timeout=2)
    assert all(page.body == PAGE for page in pages)
    assert first.cancelled()
    assert servers.hits["/slow"] == 1


async def test_single_flight_failure_reaches_every_waiter(servers: Site, fetcher: Fetcher) -> None:
    results = await asyncio.wait_for(
        asyncio.gather(
            *(fetcher.fetch(servers.url("/missing")) for _ in range(10)), return_exceptions=True
        ),
        timeout=2,
    )
    assert all(isinstance(r, FetchError) and "404" in r.message for r in results)
    assert servers.hits["/missing"] == 1
    assert not fetcher._flight.in_flight(servers.url("/missing"))


@pytest.mark.parametrize(
    ("content_type", "parsed"),
    [
        ("text/html", True),
        ("TEXT/HTML; Charset=EUC-KR", True),
        ("text/html ;charset=utf-8", True),
        ("application/xhtml+xml", True),
        ("text/html-but-not", False),
        ("text/plain", False),
        ("application/json", False),
        ("image/svg+xml", False),
        ("application/octet-stream", False),
    ],
)
async def test_content_types(
    servers: Site, fetcher: Fetcher, content_type: str, parsed: bool
) -> None:
    url = servers.url(f"/typed?t={quote(content_type)}")
    if parsed:
        assert (await fetcher.fetch(url)).content_type == content_type
    else:
        with pytest.raises(FetchError, match="not a web page"):
            await fetcher.fetch(url)


@pytest.mark.parametrize("query", ["size=200000", "many=5000"])
async def test_huge_or_countless_headers_are_refused(
    servers: Site, fetcher: Fetcher, query: str
) -> None:
    with pytest.raises(FetchError, match="couldn't reach"):
        await fetcher.fetch(servers.url(f"/headers?{query}"))
    assert (await fetcher.fetch(servers.url("/headers?many=3"))).body == PAGE


async def test_pace_waits_across_redirects_share_one_budget(servers: Site, dns: LiveTable) -> None:
    # Each hop to the same host waits for its pace slot, and those waits extend the deadline;
    # all of them together are bounded, so a redirect chain cannot stretch a fetch for long.
    limits = FetchLimits(host_interval=0.3, max_pace_wait=0.5, total_timeout=5)
    paced = Fetcher(ALLOWED, limits, hosts=dns)
    try:
        with pytest.raises(FetchBusy):
            await paced.fetch(servers.url("/loop/1?stop=5"))
    finally:
        await paced.close()


async def test_endless_chunked_stream_is_cut_at_the_cap(servers: Site, fetcher: Fetcher) -> None:
    page = await fetcher.fetch(servers.url("/endless"))
    assert page.truncated
    assert len(page.body) == fetcher.limits.max_bytes


async def test_content_length_that_lies_hits_the_read_timeout(
    servers: Site, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchError, match="too long"):
        await fetcher.fetch(servers.url("/short-body"))
