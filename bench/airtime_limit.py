"""1,000 on-air posts due at one instant, through the real bot, against Discord's global limit.

Usage: .venv/bin/python bench/airtime_limit.py [--posts 1000] [--limit 50]

The bot runs as its own process (`python -m bot run`, tests/botprocess.py) against a fake
Discord served by this process that answers 429 past `--limit` requests a second, as Discord
does at 50 (`FakeDiscord.enforce_global_limit`). The database (SQLite, seeded with the sqlite3
module) holds `--posts` announcing dramas whose episode 1 airs at one instant, ~15 s after the
bot is spawned, skewed across servers: 18 busy servers with 50 each, the rest one each (so 100
servers with a single post at 1,000). Each post is noted when the fake answered it.

Goals (issue 12): all posted in <= 1.1x the time the limit allows (posts / limit seconds),
none labelled late, each once; servers served fairly: a server with one post does not wait
behind a busy server's whole queue (its post comes long before the busy servers' last).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interactions import migrated  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402
from tests.fakediscord.rest_types import Recorded  # noqa: E402

BUSY_SERVERS = 18
BUSY_POSTS = 50  # a server's most dramas
START = 10.0  # seconds allowed for the bot's start (spawn -> ready)
LEAD = 5.0  # seconds from then to the instant the posts are due
TIME_GOAL = 1.1
TITLE = re.compile(r"\*\*(Due \d+)\*\* episode 1 is on air now")


def servers(posts: int) -> list[int]:
    """Posts per server: the busy ones first, then one each."""
    busy = min(BUSY_SERVERS, posts // BUSY_POSTS)
    return [BUSY_POSTS] * busy + [1] * (posts - busy * BUSY_POSTS)


def seed(
    path: Path, channels: list[tuple[int, int]], counts: list[int], due: int
) -> dict[str, int]:
    """The dramas (episode 1 moved to `due`); returns each title's server (guild id)."""
    stamp = int(time.time())
    far = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
    owner: dict[str, int] = {}
    with sqlite3.connect(path) as conn:
        for (guild_id, channel_id), count in zip(channels, counts, strict=True):
            for _ in range(count):
                title = f"Due {len(owner)}"
                cursor = conn.execute(
                    "INSERT INTO airtime_dramas (guild_id, title, title_key, network, slots, "
                    "premiere, episodes, runtime_min, channel_id, remind, announce_since, "
                    "created_by, created_at) VALUES (?, ?, ?, 'tvN', '2@21:30', ?, 16, 70, ?, '', "
                    "?, 1, ?)",
                    (guild_id, title, title.casefold(), far, channel_id, stamp - 86_400, stamp),
                )
                conn.execute(
                    "INSERT INTO airtime_exceptions (drama_id, kind, episode, at, created_at) "
                    "VALUES (?, 'move', 1, ?, ?)",
                    (cursor.lastrowid, due, stamp),
                )
                owner[title] = guild_id
    return owner


@dataclass
class Seen:
    """What the fake answered: each post's first 200, refusals, doubles, late labels."""

    first: dict[str, float] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    late: int = 0

    def note(self, rec: Recorded, now: float) -> None:
        if rec.method != "POST" or not rec.path.startswith("/channels/"):
            return
        content = str((rec.json or {}).get("content") or "")
        found = TITLE.search(content)
        if found and rec.status == 200:
            self.counts[found.group(1)] += 1
            self.first.setdefault(found.group(1), now)
            self.late += "(late" in content


async def watch(fake: FakeDiscord, expected: int, limit_s: float) -> Seen:
    """Note every post as the fake answers it (every 5 ms), until all came or `limit_s` passed."""
    seen = Seen()
    done = 0
    deadline = time.time() + limit_s
    settle = None
    while time.time() < deadline and (settle is None or time.time() < settle):
        requests = fake.requests
        now = time.time()
        for rec in requests[done:]:
            seen.note(rec, now)
        done = len(requests)
        seen.refused = sum(1 for rec in fake.rate_limited if rec.path.startswith("/channels/"))
        if settle is None and len(seen.first) >= expected:
            settle = now + 1.0  # a doubled post would come now
        await asyncio.sleep(0.005)
    return seen


async def run(posts: int, limit: int | None, workdir: Path) -> list[str]:
    fake = FakeDiscord()
    await fake.start()
    fake.enforce_global_limit(limit)
    counts = servers(posts)
    channels = []
    for n in range(len(counts)):
        guild = fake.add_guild(name=f"Server {n}")
        channels.append((guild.id, guild.default_channel_id))
    database = workdir / "bench.sqlite3"
    await migrated(database)
    due = int(time.time() + START + LEAD)
    owner = seed(database, channels, counts, due)
    bot = BotProcess(fake, database, workdir)
    try:
        await bot.start()
        seen = await watch(fake, posts, limit_s=START + LEAD + 3 * posts / (limit or 50))
    finally:
        if bot.running:
            await bot.terminate()
        await fake.stop()
    return report(posts, limit, due, owner, seen, counts)


def report(
    posts: int, limit: int | None, due: int, owner: dict[str, int], seen: Seen, counts: list[int]
) -> list[str]:
    allowed = posts / (limit or 50)
    after = {title: at - due for title, at in seen.first.items()}
    last = max(after.values(), default=float("nan"))
    per_server = Counter(owner.values())
    lonely = [after[t] for t, g in owner.items() if per_server[g] == 1 and t in after]
    busy_last = max(
        (after[t] for t, g in owner.items() if per_server[g] > 1 and t in after),
        default=float("nan"),
    )
    label = f"global limit {limit}/s" if limit else "no limit (answers at once)"
    twice = sum(1 for n in seen.counts.values() if n > 1)
    lonely_median = statistics.median(lonely) if lonely else float("nan")
    return [
        f"{posts:,} on-air posts due at one instant, {len(counts)} servers "
        f"({counts.count(BUSY_POSTS)} with {BUSY_POSTS}, the rest with 1); fake: {label}",
        f"  posted {len(seen.first):,} of {posts:,}; twice {twice}; answered 429: "
        f"{seen.refused}  (goal: all, once)",
        f"  due -> last post {last:.1f} s; the limit allows {allowed:.1f} s: "
        f"{last / allowed:.2f}x  (goal <= {TIME_GOAL}x)",
        f"  labelled late: {seen.late}  (goal 0)",
        f"  servers with one post: median / max {lonely_median:.1f} / "
        f"{max(lonely, default=float('nan')):.1f} s after due; the busy servers' last "
        f"{busy_last:.1f} s  (goal: served in turn, long before the busy servers' last)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000)
    parser.add_argument("--limit", type=int, default=50, help="0: no limit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dramabot-limit-") as folder:
        lines = asyncio.run(run(args.posts, args.limit or None, Path(folder)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
