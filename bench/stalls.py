"""Event-loop stalls: how long a fan's /help waits while the bot runs its heaviest commands.

Usage: .venv/bin/python bench/stalls.py [--rounds 3]

The bot runs as its own process (`python -m bot run`) against a fake Discord served by this
process. While a moderator runs one heavy command, a fan sends /help after /help (one at a
time, 5 ms apart); a /help waits for as long as the bot's event loop is blocked, so the
slowest /help during the command is the worst stall the bot had, plus /help's own small
cost (printed beside it, measured while the bot is idle). The heavy commands:

- `/poll export` of a closed poll with 100,000 votes (a CSV of ~8 MB),
- `/trivia import` of a 256 KiB pack (2,000 questions),
- `/airtime calendar` of a drama with 300 episodes.

This process watches its own event loop too: a stall here (the fake serving a big upload)
would lengthen a /help without being the bot's, so it is printed as well.

Goal (issue 12): no command blocks the event loop for more than 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interactions import World, make_world, once, p99  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.migrate import migrate  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402

EXPORT_VOTES = 100_000
PACK_BYTES = 256 * 1024
PACK_QUESTIONS = 2_000
EPISODES = 300
STALL_GOAL_MS = 50.0
PROBE_GAP = 0.005
HEAVY_TIMEOUT = 120.0
EXPORT_POLL_MESSAGE = 43


# --- the database -------------------------------------------------------------------------
async def seed(path: Path, world: World) -> int:
    """A closed 100,000-vote poll and a 300-episode drama; returns the poll's id."""
    db = Database(path)
    await db.connect()
    try:
        await migrate(db)
    finally:
        await db.close()
    now = int(datetime.now(UTC).timestamp())
    with sqlite3.connect(path) as conn:
        poll_id = _seed_poll(conn, world, now)
        _seed_drama(conn, world, now)
    return poll_id


def _seed_poll(conn: sqlite3.Connection, world: World, now: int) -> int:
    cursor = conn.execute(
        "INSERT INTO polls (guild_id, channel_id, message_id, author_id, question, multi, "
        "anonymous, created_at, closed_at, close_reason) "
        "VALUES (?, ?, ?, ?, 'Best couple?', 0, 0, ?, ?, 'ended')",
        (world.guild_id, world.channel_id, EXPORT_POLL_MESSAGE, world.mod_id, now - 3600, now),
    )
    poll_id = int(cursor.lastrowid or 0)
    emoji = ["🔥", "💋", "😭", "👑", "🎬"]
    conn.executemany(
        "INSERT INTO poll_options (poll_id, position, emoji, label) VALUES (?, ?, ?, ?)",
        [(poll_id, n, e, f"couple {n}") for n, e in enumerate(emoji)],
    )
    conn.executemany(
        "INSERT INTO poll_votes (poll_id, user_id, position, voted_at) VALUES (?, ?, ?, ?)",
        [(poll_id, 10**15 + i, i % 5, now - 3600 + i % 3600) for i in range(EXPORT_VOTES)],
    )
    return poll_id


def _seed_drama(conn: sqlite3.Connection, world: World, now: int) -> None:
    premiere = (datetime.now(UTC).date() - timedelta(days=200)).isoformat()
    conn.execute(
        "INSERT INTO airtime_dramas (guild_id, title, title_key, network, slots, premiere, "
        "episodes, runtime_min, channel_id, remind, announce_since, created_by, created_at) "
        "VALUES (?, 'Endless Saga', 'endless saga', 'KBS1', '0@20:30,1@20:30,2@20:30,3@20:30', "
        "?, ?, 35, NULL, '30', ?, ?, ?)",
        (world.guild_id, premiere, EPISODES, now, world.mod_id, now),
    )


def big_pack() -> bytes:
    """A valid pack of 2,000 questions, just under the 256 KiB limit."""
    head = "name: Bench Marathon\ndescription: Many questions.\nquestions:\n"
    parts = [head]
    size = len(head)
    for n in range(PACK_QUESTIONS):
        item = (
            f"  - question: In which episode does scene number {n} happen?\n"
            f"    answers: [Episode {n % 16 + 1}]\n"
            f"    choices: [Episode {n % 16 + 1}, Episode {n % 16 + 2}, Episode {n % 16 + 3}]\n"
        )
        if size + len(item) > PACK_BYTES - 16:
            break
        parts.append(item)
        size += len(item)
    return "".join(parts).encode()


# --- measuring ----------------------------------------------------------------------------
@dataclass
class Probe:
    """/help after /help while something else runs; and this process's own loop lag."""

    waits: list[float] = field(default_factory=list)
    own_lag: float = 0.0
    running: bool = True

    async def help_loop(self, world: World) -> None:
        while self.running:
            self.waits.append(await once(world, ("help",), {}, "fan"))
            await asyncio.sleep(PROBE_GAP)

    async def lag_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self.running:
            tick = loop.time()
            await asyncio.sleep(0.005)
            self.own_lag = max(self.own_lag, (loop.time() - tick - 0.005) * 1000)


@dataclass(frozen=True)
class Heavy:
    """A heavy command and how to invoke it."""

    label: str
    path: tuple[str, ...]
    options: dict[str, Any]


@dataclass
class Outcome:
    """What one heavy command did to /help, over the rounds."""

    took: list[float] = field(default_factory=list)
    worst: list[float] = field(default_factory=list)
    own_lag: list[float] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


async def run_heavy(world: World, heavy: Heavy) -> tuple[float, Probe, str]:
    probe = Probe()
    helper = asyncio.ensure_future(probe.help_loop(world))
    lagger = asyncio.ensure_future(probe.lag_loop())
    await asyncio.sleep(0.05)  # the probe is running before the command starts
    loop = asyncio.get_running_loop()
    start = loop.time()
    itx = await world.fake.slash(
        world.guild_id, world.channel_id, world.mod_id, *heavy.path,
        options=dict(heavy.options), sync=False,
    )  # fmt: skip
    reply = await itx.reply_text(timeout=HEAVY_TIMEOUT)
    took = loop.time() - start
    await asyncio.sleep(0.05)  # and keeps running a moment after its answer
    probe.running = False
    await asyncio.gather(helper, lagger)
    return took, probe, reply


async def idle_help(world: World, seconds: float = 2.0) -> list[float]:
    waits: list[float] = []
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        waits.append(await once(world, ("help",), {}, "fan"))
        await asyncio.sleep(PROBE_GAP)
    return waits


def report(idle: list[float], outcomes: dict[str, Outcome]) -> bool:
    print(f"idle /help: median {statistics.median(idle):.1f} ms, p99 {p99(idle):.1f} ms")
    print(
        f"{'while the bot runs':<38} {'took s':>8} {'worst /help wait ms':>20} "
        f"{'bench lag ms':>13}  goal"
    )
    ok = True
    for label, outcome in outcomes.items():
        worst = max(outcome.worst)
        met = worst < STALL_GOAL_MS
        ok = ok and met
        print(
            f"{label:<38} {statistics.median(outcome.took):>8.2f} "
            f"{worst:>9.0f} (median {statistics.median(outcome.worst):>4.0f}) "
            f"{max(outcome.own_lag):>12.0f}  "
            f"{'met' if met else 'MISSED'} (< {STALL_GOAL_MS:.0f} ms)"
        )
    return ok


async def run(rounds: int, workdir: Path) -> bool:
    world = await make_world()
    database = workdir / "bench.sqlite3"
    poll_id = await seed(database, world)
    heavies = [
        Heavy(f"/poll export ({EXPORT_VOTES:,} votes)", ("poll", "export"), {"poll": poll_id}),
        Heavy(
            f"/trivia import ({PACK_BYTES // 1024} KiB pack)",
            ("trivia", "import"),
            {"file": ("marathon.yaml", big_pack(), "application/x-yaml")},
        ),
        Heavy(
            f"/airtime calendar ({EPISODES} episodes)",
            ("airtime", "calendar"),
            {"drama": "Endless Saga"},
        ),
    ]
    bot = BotProcess(world.fake, database, workdir)
    outcomes: dict[str, Outcome] = {heavy.label: Outcome() for heavy in heavies}
    try:
        await bot.start()
        await idle_help(world, 1.0)  # warm up
        idle = await idle_help(world)
        for _ in range(rounds):
            for heavy in heavies:
                took, probe, reply = await run_heavy(world, heavy)
                outcome = outcomes[heavy.label]
                outcome.took.append(took)
                outcome.worst.append(max(probe.waits))
                outcome.own_lag.append(probe.own_lag)
                outcome.replies.append(reply[:120])
    finally:
        if bot.running:
            await bot.terminate()
        await world.fake.stop()
    print(f"{rounds} rounds of each heavy command, /help probing every {PROBE_GAP * 1000:.0f} ms")
    ok = report(idle, outcomes)
    for label, outcome in outcomes.items():
        print(f"  {label}: {outcome.replies[0]!r}")
    (workdir / "stalls.json").write_text(json.dumps({k: vars(v) for k, v in outcomes.items()}))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dramabot-stalls-") as folder:
        started = time.perf_counter()
        ok = asyncio.run(run(args.rounds, Path(folder)))
        print(f"took {time.perf_counter() - started:.0f} s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
