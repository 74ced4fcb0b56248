"""A fake TVmaze API on 127.0.0.1: the fixtures in TVmaze's shapes, plus test controls.

Routes: `/search/shows?q=`, `/singlesearch/shows?q=[&embed=episodes]`, `/shows/{id}`
(`?embed=episodes`), `/shows/{id}/episodes[?specials=1]`, `/updates/shows?since=day|week|month`;
anything else, and any unknown id, answers TVmaze's 404 body. Controls: queue faults (429 with
`Retry-After`, 5xx, a malformed body, a stall), enforce TVmaze's rate limit, change a show
between two checks, and read the request log (timestamps from an injectable clock).
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import time as _time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KST = ZoneInfo("Asia/Seoul")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOT_FOUND = {"name": "Not Found", "message": "", "code": 0, "status": 404}
TOO_MANY = {
    "name": "Too Many Requests",
    "message": "Rate limit exceeded.",
    "code": 0,
    "status": 429,
}
SERVER_ERROR = {"name": "Internal Server Error", "message": "", "code": 0, "status": 500}
SPANS = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}
MALFORMED = b'{"id": 36960, "url": "https://www.tvmaze.com/shows/36960", "name": "What\'s Wr'

# The fixtures, by id (see fixtures/README.md).
SECRETARY_KIM = 36960  # tvN Wed+Thu 21:30, 16 episodes, one special
BAKERY = 61234  # JTBC Fri+Sat 22:30, 12 episodes, a pre-empted week, the finale moved
GLASS_GARDEN = 65001  # Netflix, dates without times
HARBOR_LIGHTS = 70001  # NBC (US): to be refused
SPRING_LETTER = 72001  # KBS2, dates without times
UNTITLED = 73001  # announced, no episodes
MOONRISE = 74001  # tvN Sat+Sun 21:10, a recap special takes a slot, a late special
UNKNOWN = 999_999  # no such show


@dataclass(frozen=True)
class Logged:
    """One request as the fake saw it."""

    at: float  # the fake's clock
    path: str
    query: str
    status: int
    user_agent: str = ""


@dataclass(frozen=True)
class Fault:
    """What the fake answers instead of the real thing, once."""

    status: int
    retry_after: float | None = None
    body: bytes | None = None
    stall: float = 0.0


def _set_when(episode: dict[str, Any], at: datetime) -> None:
    local = at.astimezone(KST)
    episode["airdate"] = local.date().isoformat()
    episode["airtime"] = f"{local:%H:%M}"
    episode["airstamp"] = at.astimezone(UTC).isoformat()


def _when(episode: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(episode["airstamp"])


class FakeTvmaze:
    """Start it, point `TVMAZE_API_URL` at `url`, and drive it from the test."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = _time.monotonic,
        wall: Callable[[], float] = _time.time,
        rate_limit: tuple[int, float] | None = None,
    ) -> None:
        """`clock` stamps the log and paces the rate limit; `wall` dates `updated`."""
        self.clock = clock
        self.wall = wall
        self.rate_limit = rate_limit
        self.shows: dict[int, dict[str, Any]] = {}
        self.episodes: dict[int, list[dict[str, Any]]] = {}
        for path in sorted((FIXTURES / "shows").glob("*.json")):
            show_id = int(path.stem)
            self.shows[show_id] = json.loads(path.read_text(encoding="utf-8"))
            episodes = FIXTURES / "episodes" / path.name
            self.episodes[show_id] = json.loads(episodes.read_text(encoding="utf-8"))
        self.log: list[Logged] = []
        self._faults: deque[Fault] = deque()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The base URL to give the client."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/search/shows", self._search)
        app.router.add_get("/singlesearch/shows", self._singlesearch)
        app.router.add_get("/shows/{id}", self._show)
        app.router.add_get("/shows/{id}/episodes", self._episodes)
        app.router.add_get("/updates/shows", self._updates)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTvmaze:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- test controls ---------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500, retry_after: float | None = None) -> None:
        """The next `count` requests answer `status` (429 with `Retry-After` when given)."""
        body = json.dumps(TOO_MANY if status == 429 else SERVER_ERROR).encode()
        self._faults.extend(Fault(status, retry_after, body) for _ in range(count))

    def malformed_next(self, count: int = 1, body: bytes = MALFORMED) -> None:
        """The next `count` requests answer 200 with a body that is not valid JSON."""
        self._faults.extend(Fault(200, None, body) for _ in range(count))

    def stall_next(self, count: int, seconds: float) -> None:
        """The next `count` requests wait `seconds` (real time) before answering normally."""
        self._faults.extend(Fault(0, stall=seconds) for _ in range(count))

    def paths(self) -> Counter[str]:
        """How many requests each path received."""
        return Counter(entry.path for entry in self.log)

    def requests_to(self, path: str) -> int:
        """How many requests `path` received."""
        return self.paths()[path]

    def max_in_window(self, window: float) -> int:
        """The most requests the log holds in any `window` seconds (by the fake's clock)."""
        stamps = sorted(entry.at for entry in self.log)
        start, most = 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def mutate(
        self, show_id: int, change: Callable[[dict[str, Any], list[dict[str, Any]]], None]
    ) -> None:
        """Change a show (and its episodes) in place; TVmaze's `updated` moves to now."""
        change(self.shows[show_id], self.episodes[show_id])
        self.shows[show_id]["updated"] = int(self.wall())

    def add_namesake(self, show_id: int, new_id: int, name: str) -> None:
        """A copy of show `show_id` (and its episodes) as show `new_id`, called `name`."""
        show = json.loads(json.dumps(self.shows[show_id]))
        show.update(id=new_id, name=name, url=f"https://www.tvmaze.com/shows/{new_id}")
        self.shows[new_id] = show
        self.episodes[new_id] = json.loads(json.dumps(self.episodes[show_id]))

    def move_episode(self, show_id: int, number: int, at: datetime) -> None:
        """Episode `number` now airs at `at` (aware)."""

        def change(_show: dict[str, Any], episodes: list[dict[str, Any]]) -> None:
            _set_when(self._regular(episodes, number), at)

        self.mutate(show_id, change)

    def preempt(self, show_id: int, day: date) -> None:
        """Nothing airs on the KST date `day`: its episode and all later ones take the next slot."""

        def change(show: dict[str, Any], episodes: list[dict[str, Any]]) -> None:
            later = [
                ep for ep in self._regulars(episodes) if _when(ep).astimezone(KST).date() >= day
            ]
            slots = (at for at in self._slots(show, day) if at.date() != day)
            for episode, at in zip(later, slots, strict=False):
                _set_when(episode, at)

        self.mutate(show_id, change)

    def extend(self, show_id: int, extra: int) -> None:
        """`extra` more episodes, on the weekly slots after the last one (an extension)."""

        def change(show: dict[str, Any], episodes: list[dict[str, Any]]) -> None:
            regulars = self._regulars(episodes)
            last = regulars[-1]
            after = _when(last).astimezone(KST)
            slots = (at for at in self._slots(show, after.date()) if at > after)
            next_id = max(ep["id"] for ep in episodes) + 1
            for offset, at in zip(range(extra), slots, strict=False):
                new = copy.deepcopy(last)
                new.update(id=next_id + offset, number=last["number"] + offset + 1)
                new["name"] = f"Episode {new['number']}"
                _set_when(new, at)
                episodes.append(new)

        self.mutate(show_id, change)

    def add_special(self, show_id: int, name: str, at: datetime) -> int:
        """A new special at `at`; returns its episode id."""
        new_id = max(ep["id"] for ep in self.episodes[show_id]) + 1

        def change(_show: dict[str, Any], episodes: list[dict[str, Any]]) -> None:
            special = copy.deepcopy(episodes[0])
            special.update(id=new_id, number=None, type="significant_special", name=name)
            _set_when(special, at)
            episodes.append(special)
            episodes.sort(key=lambda ep: ep["airstamp"] or "")

        self.mutate(show_id, change)
        return new_id

    @staticmethod
    def _regulars(episodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(
            (ep for ep in episodes if ep["type"] == "regular" and ep["number"] is not None),
            key=lambda ep: ep["number"],
        )

    def _regular(self, episodes: list[dict[str, Any]], number: int) -> dict[str, Any]:
        return next(ep for ep in self._regulars(episodes) if ep["number"] == number)

    @staticmethod
    def _slots(show: dict[str, Any], start: date) -> list[datetime]:
        """The show's schedule slots (KST) for a year from `start`."""
        days = {DAY_NAMES.index(name) for name in show["schedule"]["days"]}
        at = time.fromisoformat(show["schedule"]["time"])
        dates = (start + timedelta(days=offset) for offset in range(366))
        return [datetime.combine(day, at, tzinfo=KST) for day in dates if day.weekday() in days]

    # -- HTTP ------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        now = self.clock()
        response = await self._answer(request, handler, now)
        agent = request.headers.get("User-Agent", "")
        self.log.append(
            Logged(now, request.path, request.rel_url.raw_query_string, response.status, agent)
        )
        return response

    async def _answer(self, request: web.Request, handler: Any, now: float) -> web.StreamResponse:
        limited = self._over_limit(now)
        if limited is not None:
            return web.json_response(TOO_MANY, status=429, headers={"Retry-After": limited})
        fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.stall:
            await asyncio.sleep(fault.stall)
        elif fault is not None:
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            return web.Response(
                status=fault.status,
                body=fault.body,
                content_type="application/json",
                headers=headers,
            )
        response: web.StreamResponse = await handler(request)
        return response

    def _over_limit(self, now: float) -> str | None:
        if self.rate_limit is None:
            return None
        calls, window = self.rate_limit
        recent = [entry.at for entry in self.log if entry.at > now - window]
        if len(recent) < calls:
            return None
        return str(max(1, math.ceil(recent[0] + window - now)))

    def _find(self, query: str) -> list[tuple[float, dict[str, Any]]]:
        words = query.casefold().split()
        hits = []
        for show in self.shows.values():
            name = show["name"].casefold()
            found = sum(word in name for word in words)
            if words and found:
                hits.append((round(found / len(words) * 0.9, 6), show))
        hits.sort(key=lambda hit: (-hit[0], hit[1]["id"]))
        return hits[:10]

    def _with_episodes(self, show: dict[str, Any], request: web.Request) -> dict[str, Any]:
        if request.query.get("embed") != "episodes":
            return show
        regular = [ep for ep in self.episodes[show["id"]] if ep["type"] == "regular"]
        return {**show, "_embedded": {"episodes": regular}}

    async def _search(self, request: web.Request) -> web.Response:
        hits = self._find(request.query.get("q", ""))
        return web.json_response([{"score": score, "show": show} for score, show in hits])

    async def _singlesearch(self, request: web.Request) -> web.Response:
        hits = self._find(request.query.get("q", ""))
        if not hits:
            return web.json_response(NOT_FOUND, status=404)
        return web.json_response(self._with_episodes(hits[0][1], request))

    def _lookup(self, request: web.Request) -> dict[str, Any] | None:
        raw = request.match_info["id"]
        return self.shows.get(int(raw)) if raw.isdigit() else None

    async def _show(self, request: web.Request) -> web.Response:
        show = self._lookup(request)
        if show is None:
            return web.json_response(NOT_FOUND, status=404)
        return web.json_response(self._with_episodes(show, request))

    async def _episodes(self, request: web.Request) -> web.Response:
        show = self._lookup(request)
        if show is None:
            return web.json_response(NOT_FOUND, status=404)
        specials = request.query.get("specials") == "1"
        episodes = [ep for ep in self.episodes[show["id"]] if specials or ep["type"] == "regular"]
        return web.json_response(episodes)

    async def _updates(self, request: web.Request) -> web.Response:
        span = SPANS.get(request.query.get("since", ""))
        since = self.wall() - span if span else float("-inf")
        return web.json_response(
            {
                str(show_id): show["updated"]
                for show_id, show in self.shows.items()
                if show["updated"] >= since
            }
        )

    async def _unknown(self, request: web.Request) -> web.Response:
        return web.json_response(NOT_FOUND, status=404)
