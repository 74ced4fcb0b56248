"""/preview through the real bot, for bench/previews.py (issue 12's preview goals).

The bot runs as its own process (`python -m bot run`) against a fake Discord served by this
process, with PREVIEW_ALLOWED_NETWORKS=127.0.0.1/32 so it may read a local page server
(aiohttp on 127.0.0.1, small synthetic article pages; the corpus is not used here).

- Parallel pages of one site: four fans `/preview` four different pages of the same site at
  once. Goal: a small burst is fetched at once (three answered within 0.25 s) while the site
  still sees no more than three requests in its first 0.45 s (then one per 0.5 s).
- First `/preview`: sent the moment the bot says it is ready. Goal: the parse workers are
  warm before the first link, so it costs no worker start (< 2x the warm median below).
- Warm `/preview`: one fan at a time previews a page not seen before (so it is fetched and
  parsed, not read from the cache), 0.6 s apart so no pacing wait is in the figure. Goal:
  median < 50 ms from the interaction to the card.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

from aiohttp import web

from bench.interactions import World, make_world, p99
from tests.botprocess import BotProcess

BURST_FANS = 4
BURST_ROUNDS = 3
BURST = 3  # pages of one site fetched at once before pacing
BURST_GOAL_S = 0.25
POLITE_WINDOW_S = 0.45
WARM_SAMPLES = 20
WARM_GAP_S = 0.6
WARM_GOAL_MS = 50.0
READERS = 8
FIRST_GOAL_X = 2.0  # the first /preview after start, against the warm median


def article(name: str) -> bytes:
    """A small article page with the usual metadata."""
    title = f"Drama news {name}"
    head = (
        f"<title>{title}</title>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="What happened in {name}, in short.">'
        '<meta property="og:site_name" content="Local News">'
        '<meta property="article:published_time" content="2026-03-04T12:00:00Z">'
    )
    body = "<article>" + "<p>" + " ".join(["word"] * 800) + "</p>" * 3 + "</article>"
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


class PageServer:
    """Serves /article/{name} on 127.0.0.1 and notes when each request arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/article/{name}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.arrivals[name] = asyncio.get_running_loop().time()
        return web.Response(body=article(name), content_type="text/html")

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/article/{name}"


async def preview(world: World, user_id: int, url: str) -> tuple[float, str]:
    """Seconds from sending `/preview url` to the card (or refusal), and its text."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    itx = await world.fake.slash(
        world.guild_id, world.channel_id, user_id, "preview", options={"url": url}, sync=False
    )
    text = await itx.reply_text(timeout=20)
    return loop.time() - start, text


async def burst_round(
    world: World, pages: PageServer, fans: list[int], tag: str
) -> tuple[list[float], list[float]]:
    """(answer times, site arrival times), both from the moment the four were sent."""
    names = [f"{tag}-{n}" for n in range(len(fans))]
    start = asyncio.get_running_loop().time()
    results = await asyncio.gather(
        *(preview(world, fan, pages.url(name)) for fan, name in zip(fans, names, strict=True))
    )
    for (_, text), name in zip(results, names, strict=True):
        if f"Drama news {name}" not in text:
            raise AssertionError(f"no card for {name}: {text[:200]!r}")
    arrivals = sorted(pages.arrivals[name] - start for name in names)
    return sorted(took for took, _ in results), arrivals


async def warm_latency(world: World, pages: PageServer, readers: list[int]) -> list[float]:
    waits: list[float] = []
    for n in range(WARM_SAMPLES):
        name = f"warm-{n}"
        took, text = await preview(world, readers[n % len(readers)], pages.url(name))
        if f"Drama news {name}" not in text:
            raise AssertionError(f"no card for {name}: {text[:200]!r}")
        waits.append(took * 1000)
        await asyncio.sleep(WARM_GAP_S)
    return waits


def _times(values: list[float]) -> str:
    return "/".join(f"{value:.2f}" for value in values)


def report(rounds: list[tuple[list[float], list[float]]], first: float, warm: list[float]) -> None:
    print("through the bot (its own process, fake Discord, pages on 127.0.0.1):")
    goal = FIRST_GOAL_X * statistics.median(warm)
    print(
        f"  first /preview the moment the bot is ready: {first:.1f} ms  "
        f"{'met' if first < goal else 'MISSED'} (< {FIRST_GOAL_X:.0f}x the warm median: "
        f"{goal:.0f} ms; no worker starts for it)"
    )
    for answers, arrivals in rounds:
        burst = answers[min(BURST, len(answers)) - 1] < BURST_GOAL_S
        polite = len([t for t in arrivals if t < POLITE_WINDOW_S]) <= BURST
        print(
            f"  {BURST_FANS} pages of one site at once: answered at {_times(answers)} s, "
            f"site saw them at {_times(arrivals)} s  "
            f"{'met' if burst and polite else 'MISSED'} ({BURST} answered < {BURST_GOAL_S} s, "
            f"<= {BURST} at the site in its first {POLITE_WINDOW_S} s)"
        )
    median = statistics.median(warm)
    print(
        f"  warm /preview of a new local page: median {median:.1f} ms, p99 {p99(warm):.1f} ms "
        f"({len(warm)} pages)  {'met' if median < WARM_GOAL_MS else 'MISSED'} "
        f"(median < {WARM_GOAL_MS:.0f} ms)"
    )


async def through_the_bot() -> None:
    """Start the bot and a page server, run both measurements, print them."""
    world = await make_world()
    fans = [world.fake.add_member(world.guild_id, name=f"fan{n}") for n in range(BURST_FANS)]
    readers = [world.fake.add_member(world.guild_id, name=f"reader{n}") for n in range(READERS)]
    pages = PageServer()
    await pages.start()
    with tempfile.TemporaryDirectory(prefix="dramabot-previews-") as folder:
        workdir = Path(folder)
        bot = BotProcess(
            world.fake,
            workdir / "bench.sqlite3",
            workdir,
            env={"PREVIEW_ALLOWED_NETWORKS": "127.0.0.1/32"},
        )
        try:
            await bot.start()
            first, text = await preview(world, world.fan_id, pages.url("first"))
            if "Drama news first" not in text:
                raise AssertionError(f"no card for the first page: {text[:200]!r}")
            rounds = []
            for n in range(BURST_ROUNDS):
                await asyncio.sleep(2.0)  # the site's allowance refills
                rounds.append(await burst_round(world, pages, fans, f"burst{n}"))
            await asyncio.sleep(2.0)
            warm = await warm_latency(world, pages, readers)
        finally:
            if bot.running:
                await bot.terminate()
            await world.fake.stop()
            await pages.stop()
    report(rounds, first * 1000, warm)
