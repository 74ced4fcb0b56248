"""Memory after start-up: the bot's RSS with 10,000 servers x 3 dramas and 1,000 open polls.

Usage: .venv/bin/python bench/memory.py [--guilds 10000] [--polls 1000]

The bot runs as its own process (`python -m bot run`, tests/botprocess.py) against a fake
Discord served by this process, on a SQLite database seeded with the sqlite3 module straight
into the migrated schema (so the same seeding works on any version of the bot): `--guilds`
servers with 3 announcing dramas each, and `--polls` open button polls with 10 votes each in
the bench's server (their messages are in the fake, so they stay open). Once the process
has been idle for a second (start-up's background work done), its VmRSS is read, and the
peak (VmHWM) beside it; the same for an empty database, for reference.

Goal (issue 12): RSS after start-up with the 10,000-server database <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interactions import World, make_world, migrated, wait_idle  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402

PER_GUILD = 3
VOTES_PER_POLL = 10
RSS_GOAL_MB = 150
SETTLE_TIMEOUT_S = 120.0


async def seed(path: Path, world: World, guilds: int, polls: int) -> None:
    await migrated(path)
    now = datetime.now(UTC)
    with sqlite3.connect(path) as conn:
        _seed_dramas(conn, guilds, now)
        await _seed_polls(conn, world, polls, int(now.timestamp()))


def _seed_dramas(conn: sqlite3.Connection, guilds: int, now: datetime) -> None:
    rng = random.Random(7)
    stamp = int(now.timestamp())
    rows = []
    for guild in range(guilds):
        guild_id = 10**17 + guild
        for n in range(PER_GUILD):
            slot = f"{rng.randint(0, 5)}@21:{rng.randint(10, 59)}"
            premiere = (now.date() + timedelta(days=rng.randint(-40, 60))).isoformat()
            rows.append((guild_id, f"Drama {n}", f"drama {n}", slot, premiere, guild_id + 1,
                         stamp - 86_400, stamp))  # fmt: skip
    conn.executemany(
        "INSERT INTO airtime_dramas (guild_id, title, title_key, network, slots, premiere, "
        "episodes, runtime_min, channel_id, remind, announce_since, created_by, created_at) "
        "VALUES (?, ?, ?, 'tvN', ?, ?, 16, 70, ?, '60,10', ?, 1, ?)",
        rows,
    )


async def _seed_polls(conn: sqlite3.Connection, world: World, polls: int, stamp: int) -> None:
    for n in range(polls):
        message = await world.fake.post_message(
            world.guild_id, world.channel_id, world.fake.bot_user_id, f"Poll {n}?"
        )
        cursor = conn.execute(
            "INSERT INTO polls (guild_id, channel_id, message_id, author_id, question, multi, "
            "anonymous, created_at) VALUES (?, ?, ?, ?, ?, 0, 1, ?)",
            (world.guild_id, world.channel_id, int(message["id"]), world.mod_id, f"Poll {n}?",
             stamp),
        )  # fmt: skip
        poll_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO poll_options (poll_id, position, emoji, label) VALUES (?, ?, ?, ?)",
            [(poll_id, i, emoji, f"option {i}") for i, emoji in enumerate("🔥💋😭👑")],
        )
        conn.executemany(
            "INSERT INTO poll_votes (poll_id, user_id, position, voted_at) VALUES (?, ?, ?, ?)",
            [(poll_id, 10**16 + v, v % 4, stamp) for v in range(VOTES_PER_POLL)],
        )


def _status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


async def settled_memory(pid: int) -> tuple[float, float, float]:
    """(seconds until idle, RSS MB, peak RSS MB) once the process idles for a second."""
    waited = await wait_idle(pid, SETTLE_TIMEOUT_S)
    status = _status(pid)
    return waited, status["VmRSS"], status["VmHWM"]


async def measure(guilds: int, polls: int, workdir: Path) -> tuple[float, float, float]:
    world = await make_world()
    database = workdir / f"memory-{guilds}.sqlite3"
    await seed(database, world, guilds, polls)
    bot = BotProcess(world.fake, database, workdir)
    try:
        await bot.start()
        return await settled_memory(bot.pid)
    finally:
        if bot.running:
            await bot.terminate()
        await world.fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dramabot-memory-") as folder:
        empty = asyncio.run(measure(0, 0, Path(folder)))
        full = asyncio.run(measure(args.guilds, args.polls, Path(folder)))
    print(f"{'database':<44} {'idle after s':>12} {'RSS MB':>7} {'peak MB':>8}  goal")
    print(f"{'empty':<44} {empty[0]:>12.1f} {empty[1]:>7.0f} {empty[2]:>8.0f}  -")
    label = f"{args.guilds:,} servers x {PER_GUILD} dramas, {args.polls:,} open polls"
    met = full[1] <= RSS_GOAL_MB
    print(
        f"{label:<44} {full[0]:>12.1f} {full[1]:>7.0f} {full[2]:>8.0f}  "
        f"{'met' if met else 'MISSED'} (RSS <= {RSS_GOAL_MB} MB)"
    )
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
