"""The parser pool: real worker processes, hostile pages killed at the deadline."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

from cogs.previews.extract import extract_article
from cogs.previews.parser import ParseFailed, ParserPool

URL = "https://news.example/story"
PAGE = (
    b"<html><head><meta property='og:title' content='Hello &amp; bye'>"
    b"<meta property='article:published_time' content='2024-03-05T09:30:00+09:00'>"
    b"</head><body><p>" + b"word " * 300 + b"</p></body></html>"
)
# lexbor needs about a minute of CPU for this megabyte (quadratic on <option>s in <select>).
HOSTILE = (b"<html><body><select>" + b"<option>" * 140_000)[: 1024 * 1024]


@pytest.fixture
async def pool() -> AsyncIterator[ParserPool]:
    parsers = ParserPool(workers=2, timeout=1.0)
    try:
        yield parsers
    finally:
        await parsers.close()


async def test_same_article_as_in_process(pool: ParserPool) -> None:
    article = await pool.extract(PAGE, URL, "text/html; charset=utf-8")
    assert article == extract_article(PAGE, URL, "text/html; charset=utf-8")
    assert article.title == "Hello & bye"
    assert article.published is not None


async def test_hostile_page_is_killed_at_the_deadline(pool: ParserPool) -> None:
    await pool.extract(PAGE, URL)
    # The page needs about a minute of CPU: a failure that is not a kill would mean it ran out.
    with pytest.raises(ParseFailed, match="too complicated"):
        await pool.extract(HOSTILE, URL)
    assert pool.killed == 1
    # The slot gets a fresh worker: the next page parses normally.
    assert (await pool.extract(PAGE, URL)).title == "Hello & bye"


async def test_event_loop_runs_other_work_while_a_page_parses(pool: ParserPool) -> None:
    # Parsing on the event loop would finish (or fail) before the ticker ever ran; how fast
    # the loop answers meanwhile is measured by bench/stalls.py, not asserted here.
    ticks = 0
    parsing = asyncio.ensure_future(pool.extract(HOSTILE, URL))
    while not parsing.done():
        ticks += 1
        await asyncio.sleep(0.01)
    with pytest.raises(ParseFailed):
        parsing.result()
    assert ticks > 1


async def test_cancelled_caller_does_not_break_the_pool(pool: ParserPool) -> None:
    parsing = asyncio.ensure_future(pool.extract(HOSTILE, URL))
    await asyncio.sleep(0.3)
    parsing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await parsing
    pages = await asyncio.gather(*(pool.extract(PAGE, URL) for _ in range(5)))
    assert {page.title for page in pages} == {"Hello & bye"}


async def test_close_stops_the_workers() -> None:
    parsers = ParserPool(workers=1, timeout=5)
    await parsers.extract(PAGE, URL)
    pids = parsers.pids
    assert len(pids) == 1
    await parsers.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


async def test_warm_workers_serve_the_first_pages(pool: ParserPool) -> None:
    assert pool.pids == []
    await pool.warm()
    warm = sorted(pool.pids)
    assert len(warm) == 2
    pages = await asyncio.gather(pool.extract(PAGE, URL), pool.extract(PAGE, URL))
    assert {page.title for page in pages} == {"Hello & bye"}
    assert sorted(pool.pids) == warm  # no process had to be started for them
