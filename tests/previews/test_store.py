"""The previews store and service on a real database with every migration applied."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.clock import FixedClock
from bot.db import Database
from cogs.previews.extract import Article
from cogs.previews.fetch import Fetcher, FetchLimits
from cogs.previews.parser import ParserPool
from cogs.previews.pipeline import Previewer, PreviewRefused
from cogs.previews.store import GuildPolicy, PreviewStore
from cogs.previews.urls import normalise_url

START = datetime(2024, 4, 1, 12, tzinfo=UTC)
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def store(db: Database, clock: FixedClock) -> PreviewStore:
    return PreviewStore(db, clock)


async def test_migrations_have_no_gaps_and_reach_the_latest(db: Database) -> None:
    numbers = sorted(int(p.name[:4]) for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    assert numbers == list(range(1, len(numbers) + 1))
    assert await db.schema_version() == numbers[-1]
    tables = set(await db.table_names())
    assert {"preview_cache", "preview_guild_settings", "preview_domains", "preview_posts"} <= tables


async def test_cache_success_lives_12_hours(store: PreviewStore, clock: FixedClock) -> None:
    article = Article(url="https://x.example/", title="T", published=START)
    await store.cache_article("https://x.example/", article)
    cached = await store.cached("https://x.example/")
    assert cached is not None
    assert cached.article == article
    clock.set(START + timedelta(hours=11, minutes=59))
    assert await store.cached("https://x.example/") is not None
    clock.set(START + timedelta(hours=12))
    assert await store.cached("https://x.example/") is None


async def test_cache_failure_lives_10_minutes(store: PreviewStore, clock: FixedClock) -> None:
    await store.cache_failure("k", "The site answered with an error (404).")
    cached = await store.cached("k")
    assert cached is not None
    assert cached.article is None
    assert cached.error == "The site answered with an error (404)."
    clock.set(START + timedelta(minutes=10))
    assert await store.cached("k") is None
    assert await store.prune() == 1


async def test_corrupt_cache_entry_is_a_miss(store: PreviewStore, db: Database) -> None:
    await db.execute(
        "INSERT INTO preview_cache VALUES ('k', 1, '{not json', NULL, 0, :expires)",
        {"expires": int(START.timestamp()) + 60},
    )
    assert await store.cached("k") is None


async def test_policy_defaults_and_changes(store: PreviewStore) -> None:
    assert await store.policy(1) == GuildPolicy(1, "all", True, (), ())
    await store.set_mood_poll(1, False)
    await store.set_domain_mode(1, "allowlist")
    assert await store.set_domain(1, "soompi.com", "allow", 9)
    assert await store.set_domain(1, "spam.example", "deny", 9)
    assert await store.set_domain(1, "soompi.com", "deny", 9)  # moves between lists
    policy = await store.policy(1)
    assert policy == GuildPolicy(1, "allowlist", False, (), ("soompi.com", "spam.example"))
    assert await store.remove_domain(1, "soompi.com")
    assert not await store.remove_domain(1, "soompi.com")
    assert await store.policy(2) == GuildPolicy(2, "all", True, (), ())


async def test_domain_lists_are_capped(store: PreviewStore) -> None:
    for i in range(200):
        assert await store.set_domain(1, f"d{i}.example", "deny", 9)
    assert not await store.set_domain(1, "one-more.example", "deny", 9)
    assert await store.set_domain(1, "d5.example", "allow", 9)  # an update is fine


async def test_a_post_is_recorded_once_and_forgotten_when_removed(store: PreviewStore) -> None:
    assert not await store.already_previewed(10)
    await store.record_post(100, 1, 2, 10, 7, "k")
    await store.record_post(100, 1, 2, 10, 7, "k")  # idempotent
    assert await store.already_previewed(10)
    assert await store.post_count(1) == 1
    await store.forget_post(100)
    assert await store.post_count(1) == 0


async def test_a_deleted_channel_takes_only_its_own_posts(store: PreviewStore) -> None:
    await store.record_post(100, 1, 2, 10, 7, "k")
    await store.record_post(101, 1, 3, 11, 7, "k")
    await store.record_post(102, 9, 2, 12, 7, "k")  # another guild, same channel id
    assert await store.forget_channel(1, 2) == 1
    assert not await store.already_previewed(10)
    assert await store.already_previewed(11)
    assert await store.already_previewed(12)


# -- the pipeline: cache + single-flight + policy over a real loopback server -------------


@pytest.fixture
async def server() -> AsyncIterator[tuple[TestServer, dict[str, int]]]:
    hits: dict[str, int] = {}

    async def page(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        hits[name] = hits.get(name, 0) + 1
        await asyncio.sleep(0.1)
        if name == "missing":
            return web.Response(status=404)
        if name == "hostile":  # about a minute of lexbor CPU (quadratic <option>s)
            body = (b"<select>" + b"<option>" * 140_000)[: 1024 * 1024]
            return web.Response(body=body, content_type="text/html")
        if name == "hop":
            target = f"http://elsewhere.test:{request.url.port}/story"
            return web.Response(status=302, headers={"Location": target})
        body = f"<title>{name}</title>".encode()
        return web.Response(body=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{name}", page)
    test_server = TestServer(app, host="127.0.0.2")
    await test_server.start_server()
    try:
        yield test_server, hits
    finally:
        await test_server.close()


@pytest.fixture
async def previewer(store: PreviewStore) -> AsyncIterator[Previewer]:
    fetcher = Fetcher(
        (ipaddress.ip_network("127.0.0.2/32"),),
        FetchLimits(host_interval=0, total_timeout=3),
        hosts={"elsewhere.test": ["127.0.0.2"]},
    )
    parser = ParserPool(workers=1, timeout=1.0)
    try:
        yield Previewer(fetcher, store, parser)
    finally:
        await fetcher.close()
        await parser.close()


async def test_fifty_concurrent_previews_one_fetch_then_cached(
    previewer: Previewer, server: tuple[TestServer, dict[str, int]]
) -> None:
    test_server, hits = server
    url = f"http://127.0.0.2:{test_server.port}/story"
    results = await asyncio.gather(*(previewer.preview(url) for _ in range(50)))
    assert {r.article.title for r in results} == {"story"}
    assert hits == {"story": 1}
    again = await previewer.preview(url + "#again")
    assert again.article.title == "story"
    assert hits == {"story": 1}


async def test_failures_are_cached(
    previewer: Previewer, server: tuple[TestServer, dict[str, int]]
) -> None:
    test_server, hits = server
    url = f"http://127.0.0.2:{test_server.port}/missing"
    for _ in range(3):
        with pytest.raises(PreviewRefused, match="404"):
            await previewer.preview(url)
    assert hits == {"missing": 1}


async def test_blocked_links_are_refused_without_network(previewer: Previewer) -> None:
    with pytest.raises(PreviewRefused) as caught:
        await previewer.preview("http://0x7f000001/")
    assert caught.value.blocked
    assert previewer.fetcher.upstream_requests == 0
    assert previewer.quick_problem("http://[::1]/") is not None
    assert previewer.quick_problem("https://soompi.com/a") is None


async def test_policy_applies_to_link_and_redirect_target(
    previewer: Previewer, server: tuple[TestServer, dict[str, int]]
) -> None:
    test_server, _ = server
    deny = GuildPolicy(1, "all", True, (), ("elsewhere.test",))
    with pytest.raises(PreviewRefused, match="blocked previews"):
        await previewer.preview("http://elsewhere.test/", deny)
    # The redirect leads to a denied site: refused after the fetch too.
    hop = f"http://127.0.0.2:{test_server.port}/hop"
    with pytest.raises(PreviewRefused, match="blocked previews"):
        await previewer.preview(hop, deny)
    assert (await previewer.preview(hop)).article.title == "story"
    allowlist = GuildPolicy(1, "allowlist", True, ("soompi.com",), ())
    assert previewer.quick_problem("https://www.soompi.com/x", allowlist) is None
    assert previewer.quick_problem("https://dramabeans.com/x", allowlist) is not None


async def test_page_too_hard_to_parse_is_refused_at_the_deadline(
    previewer: Previewer, server: tuple[TestServer, dict[str, int]]
) -> None:
    test_server, hits = server
    url = f"http://127.0.0.2:{test_server.port}/hostile"
    start = asyncio.get_running_loop().time()
    with pytest.raises(PreviewRefused, match="too complicated"):
        await previewer.preview(url)
    assert asyncio.get_running_loop().time() - start < 3
    # Remembered as a failure: posting it again costs nothing.
    with pytest.raises(PreviewRefused, match="too complicated"):
        await previewer.preview(url)
    assert hits == {"hostile": 1}
    assert (await previewer.preview(f"http://127.0.0.2:{test_server.port}/fine")).article.title


async def test_busy_is_not_remembered_as_a_failure(
    store: PreviewStore, server: tuple[TestServer, dict[str, int]]
) -> None:
    test_server, hits = server
    limits = FetchLimits(host_interval=10, host_burst=1, max_pace_wait=1, total_timeout=3)
    fetcher = Fetcher((ipaddress.ip_network("127.0.0.2/32"),), limits)
    previewer = Previewer(fetcher, store, ParserPool(workers=1))
    try:
        first = f"http://127.0.0.2:{test_server.port}/one"
        second = f"http://127.0.0.2:{test_server.port}/two"
        assert (await previewer.preview(first)).article.title == "one"
        with pytest.raises(PreviewRefused, match="a lot of pages"):
            await previewer.preview(second)
        assert await store.cached(normalise_url(second)) is None
    finally:
        await fetcher.close()
        await previewer.parser.close()
    assert hits == {"one": 1}


async def test_each_guilds_policy_applies_to_cached_results(
    previewer: Previewer, server: tuple[TestServer, dict[str, int]]
) -> None:
    test_server, hits = server
    hop = f"http://127.0.0.2:{test_server.port}/hop"  # redirects to elsewhere.test
    assert (await previewer.preview(hop)).article.title == "story"  # guild 1: no policy
    # Guild 2 denies the site the link redirected to; guild 3 allows only other sites. The
    # cached article from guild 1's fetch must not slip past either policy.
    deny = GuildPolicy(2, "all", True, (), ("elsewhere.test",))
    only = GuildPolicy(3, "allowlist", True, ("127.0.0.2",), ())
    with pytest.raises(PreviewRefused, match="blocked previews"):
        await previewer.preview(hop, deny)
    with pytest.raises(PreviewRefused, match="only previews sites"):
        await previewer.preview(hop, only)
    direct = f"http://127.0.0.2:{test_server.port}/story"
    assert (await previewer.preview(direct, only)).article.title == "story"
    with pytest.raises(PreviewRefused, match="blocked previews"):
        await previewer.preview(direct, GuildPolicy(4, "all", True, (), ("127.0.0.2",)))
    assert hits == {"hop": 1, "story": 2}
