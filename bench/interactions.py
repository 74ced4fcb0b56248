"""Command latency against the framework floor: dramabot beside a bare discord.py bot.

Usage: .venv/bin/python bench/interactions.py [--rounds 10] [--block 20] [--only airtime]
                                             [--profile FILE]

Both bots run as their own processes (`python -m bot run` and bench/bare_bot.py, which answers
every command at once with a constant), each against its own fake Discord served by this
process, so both pay the same protocol costs. For each command, blocks of `--block`
interactions go to dramabot, then to the bare bot, alternating `--rounds` times, so machine
noise falls on both. Latency is from sending INTERACTION_CREATE to receiving the reply
(the followup, for a deferred command). dramabot's database holds one server with 50 dramas,
an open button poll with 10,000 votes and 10,000 trivia answers.

Goal (issue 12): every command's median <= 1.5x the bare bot's, p99 < 25 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import Database  # noqa: E402
from bot.migrate import migrate  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402
from tests.harness import MANAGE_GUILD  # noqa: E402

DRAMAS = 50
VOTES = 10_000
ANSWERS = 10_000
PLAYERS = 2_000
MEDIAN_GOAL = 1.5
P99_GOAL_MS = 25.0
SLOTS = ["0@21:50,1@21:50", "2@21:30,3@21:30", "4@20:50,5@20:50", "5@22:30,6@22:30", "6@00:10"]


@dataclass
class World:
    """One fake Discord with one server, a moderator and a fan."""

    fake: FakeDiscord
    guild_id: int
    channel_id: int
    mod_id: int
    fan_id: int
    poll_message_id: int = 0


async def make_world() -> World:
    fake = FakeDiscord()
    await fake.start()
    guild = fake.add_guild(name="Bench Club")
    mods = fake.add_role(guild.id, "Mods", permissions=MANAGE_GUILD)
    mod_id = fake.add_member(guild.id, name="mod", roles=(mods,))
    fan_id = fake.add_member(guild.id, name="fan")
    # The poll's message exists, so the poll stays open (a missing message closes it).
    message = await fake.post_message(
        guild.id, guild.default_channel_id, fake.bot_user_id, "**Best scene?**"
    )
    return World(fake, guild.id, guild.default_channel_id, mod_id, fan_id, int(message["id"]))


# --- the database -------------------------------------------------------------------------
async def migrated(path: Path) -> None:
    """A SQLite file at the bot's latest schema, closed again (seeding writes with sqlite3)."""
    db = Database(path)
    await db.connect()
    try:
        await migrate(db)
    finally:
        await db.close()


async def seed(path: Path, world: World) -> None:
    """50 airing dramas, an open 10,000-vote poll and 10,000 trivia answers in the server.

    Written with the sqlite3 module straight into the migrated schema, so the same seeding
    works on any version of the bot (for before/after figures).
    """
    await migrated(path)
    now = int(datetime.now(UTC).timestamp())
    with sqlite3.connect(path) as conn:
        _seed_dramas(conn, world, now)
        _seed_poll(conn, world, now)
        _seed_trivia(conn, world, now)


def _seed_dramas(conn: sqlite3.Connection, world: World, now: int) -> None:
    rng = random.Random(12)
    today = datetime.now(UTC).date()
    conn.executemany(
        "INSERT INTO airtime_dramas (guild_id, title, title_key, network, slots, premiere, "
        "episodes, runtime_min, channel_id, remind, announce_since, created_by, created_at) "
        "VALUES (?, ?, ?, 'tvN', ?, ?, 16, 70, ?, '30', ?, ?, ?)",
        [
            (world.guild_id, f"Bench Drama {n}", f"bench drama {n}", rng.choice(SLOTS),
             (today - timedelta(days=rng.randint(0, 40))).isoformat(), world.channel_id, now,
             world.mod_id, now)
            for n in range(DRAMAS)
        ],
    )  # fmt: skip


def _seed_poll(conn: sqlite3.Connection, world: World, now: int) -> None:
    cursor = conn.execute(
        "INSERT INTO polls (guild_id, channel_id, message_id, author_id, question, multi, "
        "anonymous, created_at) VALUES (?, ?, ?, ?, 'Best scene?', 0, 1, ?)",
        (world.guild_id, world.channel_id, world.poll_message_id, world.mod_id, now),
    )
    poll_id = cursor.lastrowid
    emoji = ["🔥", "💋", "😭", "👑"]
    conn.executemany(
        "INSERT INTO poll_options (poll_id, position, emoji, label) VALUES (?, ?, ?, ?)",
        [(poll_id, n, e, f"scene {n}") for n, e in enumerate(emoji)],
    )
    conn.executemany(
        "INSERT INTO poll_votes (poll_id, user_id, position, voted_at) VALUES (?, ?, ?, ?)",
        [(poll_id, 10**15 + i, i % 4, now) for i in range(VOTES)],
    )


def _seed_trivia(conn: sqlite3.Connection, world: World, now: int) -> None:
    per_player = ANSWERS // PLAYERS
    cursor = conn.execute(
        "INSERT INTO trivia_games (guild_id, channel_id, starter_id, pack_key, pack_name, mode, "
        "seconds, question_count, plan, status, started_at, ended_at) VALUES (?, ?, ?, "
        "'bench', 'Bench', 'buttons', 20, ?, '[]', 'finished', ?, ?)",
        (world.guild_id, world.channel_id, world.mod_id, per_player, now, now),
    )
    game_id = cursor.lastrowid
    players = [world.fan_id] + [10**15 + n for n in range(PLAYERS - 1)]
    conn.executemany(
        "INSERT INTO trivia_answers (game_id, question_index, user_id, guild_id, choice_index, "
        "correct, tries, points, streak, elapsed_ms, answered_at) "
        "VALUES (?, ?, ?, ?, 0, ?, 1, ?, 1, 1000, ?)",
        [
            (game_id, q, user, world.guild_id, int((user + q) % 3 > 0), 100 + user % 50, now - q)
            for user in players
            for q in range(per_player)
        ],
    )


# --- measuring ----------------------------------------------------------------------------
COMMANDS: list[tuple[str, tuple[str, ...], dict[str, Any], str]] = [
    ("/help", ("help",), {}, "fan"),
    ("/airtime next (50 dramas)", ("airtime", "next"), {}, "fan"),
    ("/airtime week", ("airtime", "week"), {}, "fan"),
    ("/poll results (10,000 votes)", ("poll", "results"), {"poll": 1}, "fan"),
    ("/trivia leaderboard (10,000 answers)", ("trivia", "leaderboard"), {}, "fan"),
    ("/trivia stats", ("trivia", "stats"), {}, "fan"),
    ("/config show", ("config", "show"), {}, "mod"),
]


async def once(world: World, path: tuple[str, ...], options: dict[str, Any], who: str) -> float:
    user = world.mod_id if who == "mod" else world.fan_id
    loop = asyncio.get_running_loop()
    start = loop.time()
    itx = await world.fake.slash(
        world.guild_id, world.channel_id, user, *path, options=dict(options), sync=False
    )
    await itx.reply_text(timeout=30)
    return (loop.time() - start) * 1000


async def measure(
    bot: World, bare: World, rounds: int, block: int, only: str
) -> dict[str, tuple[list[float], list[float]]]:
    results: dict[str, tuple[list[float], list[float]]] = {}
    for label, path, options, who in COMMANDS:
        if only not in label:
            continue
        ours: list[float] = []
        floor: list[float] = []
        for _ in range(3):  # warm both up
            await once(bot, path, options, who)
            await once(bare, path, options, who)
        for _ in range(rounds):
            ours += [await once(bot, path, options, who) for _ in range(block)]
            floor += [await once(bare, path, options, who) for _ in range(block)]
        results[label] = (ours, floor)
    return results


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used (user + system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # clock ticks


async def wait_idle(pid: int, limit_s: float = 120.0, idle_cpu: float = 0.02) -> float:
    """Wait until the process used under `idle_cpu` s of CPU in a second; seconds waited."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    used = cpu_seconds(pid)
    while loop.time() - start < limit_s:
        await asyncio.sleep(1.0)
        now_used = cpu_seconds(pid)
        if now_used - used < idle_cpu:
            break
        used = now_used
    return loop.time() - start


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def report(results: dict[str, tuple[list[float], list[float]]]) -> bool:
    print(f"{'command':<38} {'dramabot p50/p99 ms':>20} {'bare p50/p99 ms':>17} {'ratio':>6}  goal")
    ok = True
    for label, (ours, floor) in results.items():
        ratio = statistics.median(ours) / statistics.median(floor)
        met = ratio <= MEDIAN_GOAL and p99(ours) < P99_GOAL_MS
        ok = ok and met
        print(
            f"{label:<38} {statistics.median(ours):>9.2f} / {p99(ours):>7.2f} "
            f"{statistics.median(floor):>7.2f} / {p99(floor):>6.2f} {ratio:>6.2f}  "
            f"{'met' if met else 'MISSED'} (<= {MEDIAN_GOAL}x, p99 < {P99_GOAL_MS:.0f} ms)"
        )
    return ok


async def profile(pid: int, out: str) -> asyncio.subprocess.Process:
    """py-spy (when installed) samples dramabot's process while measuring.

    A flame graph for `*.svg`, collapsed stacks (one per line, with its count) otherwise.
    """
    kind = "flamegraph" if out.endswith(".svg") else "raw"
    spy = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
        "--output", out, "--format", kind, "--rate", "500", "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1)
    return spy


async def run(rounds: int, block: int, only: str, workdir: Path, spy_out: str | None) -> bool:
    bot_world, bare_world = await make_world(), await make_world()
    database = workdir / "bench.sqlite3"
    await seed(database, bot_world)
    bot = BotProcess(bot_world.fake, database, workdir)
    bare = BotProcess(
        bare_world.fake,
        workdir / "unused.sqlite3",
        workdir,
        command=[sys.executable, str(ROOT / "bench" / "bare_bot.py")],
        ready_line=re.compile(r"bare bot ready"),
    )
    try:
        await bot.start()
        await bare.start()
        await wait_idle(bot.pid)  # start-up's background work is not what is measured
        spy = await profile(bot.pid, spy_out) if spy_out else None
        results = await measure(bot_world, bare_world, rounds, block, only)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            await spy.wait()
    finally:
        for process in (bot, bare):
            if process.running:
                await process.terminate()
        for world in (bot_world, bare_world):
            await world.fake.stop()
    print(f"{rounds} alternating blocks of {block} per command and bot (2-core machine)")
    ok = report(results)
    (workdir / "results.json").write_text(json.dumps(results))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--block", type=int, default=20)
    parser.add_argument("--only", default="", help="only the commands whose label has this")
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy samples of dramabot (FILE.svg: flame graph)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dramabot-bench-") as folder:
        started = time.perf_counter()
        ok = asyncio.run(run(args.rounds, args.block, args.only, Path(folder), args.profile))
        print(f"took {time.perf_counter() - started:.0f} s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
