"""Start-up at scale: spawn -> answering, with 10,000 servers x 3 dramas and 1,000 open polls.

Usage: .venv/bin/python bench/startup.py [--guilds 10000] [--polls 1000] [--rounds 5]

The bot runs as its own process (`python -m bot run`, tests/botprocess.py) against a fake
Discord served by this process, on a SQLite database seeded with the sqlite3 module straight
into the migrated schema (as bench/interactions.py does, so the same seeding works on any
version of the bot): `--guilds` servers with 3 announcing dramas each (reminders 60 and 10 min
before, half with a streaming post, one in ten with a pre-empted date, two ledger rows each),
and `--polls` open reaction polls with 10 votes each, whose messages and reactions are in the
fake too. The fake itself has one server (the bench's), where the fans' commands go.

Two starts on one database: the first right after seeding (as after an upgrade: nothing of the
bot's own bookkeeping is there yet), then a restart. Before each, 30 dramas of the bench's
server get an on-air post due 2-5 s after the spawn: each must be posted once.

Per start it prints: spawn -> first answered `/help` (the fake sends `/help` as soon as the
gateway session is READY); spawn -> the bot's `ready` log line (discord.py waits
`guild_ready_timeout`, 2 s, after the last GUILD_CREATE before it says so); when the
background start-up work (airtime arming, poll reconciliation) ended; the on-air posts' delay;
RSS after the background work and its peak.

Then, on the running bot, a fan sends `/help` after `/help` while a moderator asks for the
`.ics` calendar of a 300-episode drama: the slowest `/help` meanwhile, less an idle one's
median. That wait includes this process, where the fake Discord (10,000 servers) takes the
calendar's upload; the bot's own stalls are bench/stalls.py's figure (its loop watch).

Goals (issue 12): spawn -> answering <= 1.5 s; RSS after start-up <= 150 MB; nothing due
during start-up missed or doubled (no command stalling the loop > 50 ms: bench/stalls.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interactions import World, make_world, migrated, once  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402
from tests.fakediscord.builders import message_payload  # noqa: E402

KST = ZoneInfo("Asia/Seoul")
PER_GUILD = 3
VOTES_PER_POLL = 10
EMOJI = ("🔥", "💋", "😭", "👑")
DUE_SOON = 30  # on-air posts due 2-5 s after each spawn, in the bench's server
DUE_FROM = 2.0
DUE_SPREAD = 3.0
CALENDAR_EPISODES = 300
ANSWER_GOAL_S = 1.5
RSS_GOAL_MB = 150
PROBE_GAP = 0.005
BACKGROUND_LINES = (r"airtime jobs armed", r"polls reconciled")


# --- the database -------------------------------------------------------------------------
def quiet_slots(rng: random.Random, now: datetime) -> str:
    """Two weekly KST slots at least 3 h (wall clock) away from now: nothing falls due here."""
    minute_now = now.astimezone(KST).hour * 60 + now.astimezone(KST).minute
    offset = rng.randint(180, 24 * 60 - 180)
    minute = (minute_now + offset) % (24 * 60)
    day = rng.randint(0, 5)
    at = f"{minute // 60:02d}:{minute % 60:02d}"
    return f"{day}@{at},{day + 1}@{at}"


def seed_dramas(conn: sqlite3.Connection, guilds: int, now: datetime) -> None:
    rng = random.Random(3)
    stamp = int(now.timestamp())
    since = stamp - 60 * 86_400
    rows = []
    for guild in range(guilds):
        guild_id = 10**17 + guild
        for n in range(PER_GUILD):
            premiere = now.date() + timedelta(days=rng.randint(-40, 60))
            rows.append((
                guild_id, f"Drama {n}", f"drama {n}", "alias one\nalias two",
                quiet_slots(rng, now), premiere.isoformat(), rng.choice([12, 16, 20, 50]),
                "Viki" if n % 2 else None, 60 if n % 2 else None, guild_id + 1, guild_id + 2,
                since, stamp,
            ))  # fmt: skip
    conn.executemany(
        "INSERT INTO airtime_dramas (guild_id, title, title_key, aliases, network, slots, "
        "premiere, episodes, runtime_min, streaming, streaming_delay_min, channel_id, role_id, "
        "remind, announce_since, created_by, created_at) "
        "VALUES (?, ?, ?, ?, 'tvN', ?, ?, ?, 70, ?, ?, ?, ?, '60,10', ?, 1, ?)",
        rows,
    )
    ids = [row[0] for row in conn.execute("SELECT drama_id FROM airtime_dramas ORDER BY drama_id")]
    conn.executemany(
        "INSERT INTO airtime_exceptions (drama_id, kind, day, label, created_at) "
        "VALUES (?, 'skip', ?, '', ?)",
        [(i, (now.date() + timedelta(days=i % 30)).isoformat(), stamp) for i in ids[::10]],
    )
    guild_of = dict(conn.execute("SELECT drama_id, guild_id FROM airtime_dramas"))
    conn.executemany(
        "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind, state, "
        "claimed_at, done_at) VALUES (?, ?, '1', ?, 'sent', ?, ?)",
        [(guild_of[i], i, kind, stamp - 3600, stamp - 3600) for i in ids
         for kind in ("remind60", "onair")],
    )  # fmt: skip


def seed_calendar_drama(conn: sqlite3.Connection, world: World, now: datetime) -> None:
    stamp = int(now.timestamp())
    premiere = (now.date() - timedelta(days=200)).isoformat()
    conn.execute(
        "INSERT INTO airtime_dramas (guild_id, title, title_key, network, slots, premiere, "
        "episodes, runtime_min, remind, created_by, created_at) VALUES (?, 'Endless Saga', "
        "'endless saga', 'KBS1', '0@20:30,1@20:30,2@20:30,3@20:30', ?, ?, 35, '30', ?, ?)",
        (world.guild_id, premiere, CALENDAR_EPISODES, world.mod_id, stamp),
    )


def seed_polls(conn: sqlite3.Connection, world: World, polls: int, now: datetime) -> None:
    """Open reaction polls in the bench's channel: rows here, messages and reactions in the fake."""
    fake = world.fake
    stamp = int(now.timestamp())
    fans = [10**16 + n for n in range(VOTES_PER_POLL)]
    for n, fan in enumerate(fans):
        fake.world.ensure_user(fan, f"voter{n}")
    for n in range(polls):
        message_id = fake.snowflake()
        fake.world.store_message(
            message_payload(fake.world, message_id=message_id, channel_id=world.channel_id,
                            author_id=fake.bot_user_id, content=f"📊 Poll {n}?")
        )  # fmt: skip
        for emoji in EMOJI:
            fake.world.add_reaction(message_id, emoji, fake.bot_user_id)
        cursor = conn.execute(
            "INSERT INTO polls (guild_id, channel_id, message_id, author_id, question, multi, "
            "anonymous, created_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?)",
            (world.guild_id, world.channel_id, message_id, world.mod_id, f"Poll {n}?", stamp),
        )
        poll_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO poll_options (poll_id, position, emoji, label) VALUES (?, ?, ?, ?)",
            [(poll_id, i, emoji, f"option {i}") for i, emoji in enumerate(EMOJI)],
        )
        conn.executemany(
            "INSERT INTO poll_votes (poll_id, user_id, position, voted_at) VALUES (?, ?, ?, ?)",
            [(poll_id, fan, i % len(EMOJI), stamp) for i, fan in enumerate(fans)],
        )
        for i, fan in enumerate(fans):
            fake.world.add_reaction(message_id, EMOJI[i % len(EMOJI)], fan)


def add_due_soon(path: Path, world: World, first: datetime, tag: str) -> dict[str, float]:
    """`DUE_SOON` dramas of the bench's server with an on-air post due from `first` on.

    Returns each drama's title with its due time (unix seconds: instants are stored whole).
    """
    stamp = int(time.time())
    far = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
    dues: dict[str, float] = {}
    with sqlite3.connect(path) as conn:
        for n in range(DUE_SOON):
            title = f"Soon {tag} {n}"
            due = int((first + timedelta(seconds=DUE_SPREAD * n / DUE_SOON)).timestamp())
            cursor = conn.execute(
                "INSERT INTO airtime_dramas (guild_id, title, title_key, network, slots, "
                "premiere, episodes, runtime_min, channel_id, remind, announce_since, "
                "created_by, created_at) VALUES (?, ?, ?, 'tvN', '2@21:30', ?, 16, 70, ?, '', "
                "?, ?, ?)",
                (world.guild_id, title, title.casefold(), far, world.channel_id,
                 stamp - 86_400, world.mod_id, stamp),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO airtime_exceptions (drama_id, kind, episode, at, created_at) "
                "VALUES (?, 'move', 1, ?, ?)",
                (cursor.lastrowid, due, stamp),
            )
            dues[title] = float(due)
    return dues


# --- measuring ----------------------------------------------------------------------------
@dataclass
class Start:
    """One start's figures."""

    label: str
    answered: float = 0.0
    ready_line: float = 0.0
    background: float = 0.0
    rss_mb: float = 0.0
    peak_mb: float = 0.0
    posted: int = 0
    doubled: int = 0
    delays: list[float] = field(default_factory=list)


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


async def wait_line(bot: BotProcess, pattern: str, since: float, limit: float) -> float:
    """Seconds from `since` (perf_counter) to the first log line matching `pattern`."""
    await bot.wait_for_line(pattern, timeout=limit)
    return time.perf_counter() - since


class PostWatch:
    """Notes when each on-air post of the due dramas reached the fake (every 10 ms)."""

    def __init__(self, world: World, dues: dict[str, float]) -> None:
        self.world = world
        self.dues = dues
        self.seen = 0
        self.counts: Counter[str] = Counter()
        self.first: dict[str, float] = {}
        self.all_seen = asyncio.Event()
        self.task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        path = f"/channels/{self.world.channel_id}/messages"
        while True:
            requests = self.world.fake.requests
            now = time.time()
            for rec in requests[self.seen :]:
                content = str((rec.json or {}).get("content") or "") if rec.path == path else ""
                title = re.search(r"\*\*(Soon [^*]+)\*\* episode 1 is on air now", content)
                if rec.method == "POST" and title and title.group(1) in self.dues:
                    self.counts[title.group(1)] += 1
                    self.first.setdefault(title.group(1), now)
            self.seen = len(requests)
            if len(self.first) == len(self.dues):
                self.all_seen.set()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def measure_start(bot: BotProcess, world: World, label: str, path: Path) -> Start:
    out = Start(label)
    dues = add_due_soon(path, world, datetime.now(UTC) + timedelta(seconds=DUE_FROM), label)
    watch = PostWatch(world, dues)
    spawned = time.perf_counter()
    await bot.start(wait_ready=False)
    await world.fake.wait_until_ready(timeout=60)
    itx = await world.fake.slash(world.guild_id, world.channel_id, world.fan_id, "help",
                                 sync=False)  # fmt: skip
    await itx.reply_text(timeout=30)
    out.answered = time.perf_counter() - spawned
    out.ready_line = await wait_line(bot, r" bot\.app ready\b", spawned, 60)
    for pattern in BACKGROUND_LINES:
        out.background = max(out.background, await wait_line(bot, pattern, spawned, 120))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(watch.all_seen.wait(), 30)
    await asyncio.sleep(1.0)  # settle: a doubled post would come now
    await watch.stop()
    out.posted = len(watch.first)
    out.doubled = sum(1 for count in watch.counts.values() if count > 1)
    out.delays = [at - dues[title] for title, at in watch.first.items()]
    out.rss_mb, out.peak_mb = memory(bot.pid)
    return out


async def calendar_stall(world: World) -> tuple[float, float, float]:
    """(idle /help median, worst /help during the calendar, the calendar's own time), in ms."""
    idle = [await once(world, ("help",), {}, "fan") for _ in range(40)]
    waits: list[float] = []
    running = True

    async def probe() -> None:
        while running:
            waits.append(await once(world, ("help",), {}, "fan"))
            await asyncio.sleep(PROBE_GAP)

    worst_calendar = 0.0
    task = asyncio.create_task(probe())
    try:
        for _ in range(5):
            await asyncio.sleep(0.05)
            worst_calendar = max(
                worst_calendar,
                await once(world, ("airtime", "calendar"), {"drama": "Endless Saga"}, "mod"),
            )
    finally:
        running = False
        await task
    return statistics.median(idle), max(waits), worst_calendar


# --- running ------------------------------------------------------------------------------
async def run(guilds: int, polls: int, workdir: Path) -> list[str]:
    world = await make_world()
    database = workdir / "bench.sqlite3"
    now = datetime.now(UTC)
    started = time.perf_counter()
    await migrated(database)
    with sqlite3.connect(database) as conn:
        seed_dramas(conn, guilds, now)
        seed_calendar_drama(conn, world, now)
        seed_polls(conn, world, polls, now)
    seeded = time.perf_counter() - started
    bot = BotProcess(world.fake, database, workdir)
    starts: list[Start] = []
    try:
        starts.append(await measure_start(bot, world, "first start", database))
        await bot.terminate()
        starts.append(await measure_start(bot, world, "restart", database))
        stall = await calendar_stall(world)
    finally:
        if bot.running:
            await bot.terminate()
        await world.fake.stop()
    return report(guilds, polls, seeded, starts, stall)


def report(
    guilds: int, polls: int, seeded: float, starts: list[Start], stall: tuple[float, float, float]
) -> list[str]:
    lines = [
        f"{guilds:,} servers x {PER_GUILD} announcing dramas, {polls:,} open polls "
        f"(seeded in {seeded:.1f} s)",
        f"{'':<44}" + "".join(f"{s.label:>14}" for s in starts) + "  goal",
    ]

    def row(label: str, cells: list[str], goal: str) -> None:
        lines.append(f"{label:<44}" + "".join(f"{c:>14}" for c in cells) + f"  {goal}")

    row("spawn -> first /help answered", [f"{s.answered:.2f} s" for s in starts],
        f"<= {ANSWER_GOAL_S} s")  # fmt: skip
    row("spawn -> 'ready' logged (+2 s guild wait)", [f"{s.ready_line:.2f} s" for s in starts],
        "-")  # fmt: skip
    row("spawn -> background start-up work done", [f"{s.background:.2f} s" for s in starts], "-")
    row(f"on-air posts due 2-5 s after spawn, of {DUE_SOON}", [str(s.posted) for s in starts],
        f"all {DUE_SOON}")  # fmt: skip
    row("  posted twice", [str(s.doubled) for s in starts], "0")
    row("  delay after due: median / max", [
        f"{statistics.median(s.delays):.2f}/{max(s.delays):.2f} s" if s.delays else "-"
        for s in starts], "-")  # fmt: skip
    row("RSS after start-up", [f"{s.rss_mb:.0f} MB" for s in starts], f"<= {RSS_GOAL_MB} MB")
    row("  peak RSS (VmHWM)", [f"{s.peak_mb:.0f} MB" for s in starts], "-")
    idle, worst, calendar = stall
    lines.append("")
    lines.append(
        f"/airtime calendar, {CALENDAR_EPISODES} episodes: answered in {calendar:.0f} ms; worst "
        f"/help meanwhile {worst:.1f} ms (idle median {idle:.1f} ms), bench and fake included; "
        "the bot's own stalls: bench/stalls.py"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=1_000)
    parser.add_argument("--logs", type=Path, help="copy the bot's log files into this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dramabot-startup-") as folder:
        lines = asyncio.run(run(args.guilds, args.polls, Path(folder)))
        if args.logs is not None:
            args.logs.mkdir(parents=True, exist_ok=True)
            for log in Path(folder).glob("bot-*.stderr"):
                shutil.copy(log, args.logs / log.name)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
