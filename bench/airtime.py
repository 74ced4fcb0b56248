"""Airtime benchmark: start-up job rebuild for 10,000 guilds x 3 dramas, and announcement lateness.

Run: .venv/bin/python bench/airtime.py
Goals (issue 3): rebuild < 3 s and < 150 MB; announcements fire with p99 lateness < 1 s.
Everything real except Discord: the migrated SQLite file, the store, the Announcer, the
bot's Scheduler (APScheduler); the sender only records when it was called.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import SystemClock
from bot.db import Database
from bot.migrate import migrate
from bot.outbox import Outbox
from bot.scheduler import Scheduler
from cogs.airtime.runner import JOB_PREFIX, Announcer
from cogs.airtime.store import AirtimeStore

GUILDS = 10_000
PER_GUILD = 3
SPREAD = 2_000  # announcements due within a 10 s window
BURST = 1_000  # announcements due at the very same instant
SLOT_PATTERNS = ["0@21:50,1@21:50", "2@21:30,3@21:30", "4@20:50,5@20:50", "5@22:30,6@22:30",
                 "6@00:10", "5@21:10,6@21:10", "2@21:00,3@21:00"]  # fmt: skip


class RecordingSender:
    """Stands in for Discord: notes when each drama's announcement reached it."""

    def __init__(self) -> None:
        self.fired: dict[int, float] = {}
        self.next_id = 1
        self.target = 0
        self.all_fired = asyncio.Event()

    async def send(self, channel_id: int, content: str, role_id: int | None, drama_id: int) -> int:
        self.fired[drama_id] = time.time()
        self.next_id += 1
        if len(self.fired) >= self.target:
            self.all_fired.set()
        return self.next_id

    async def find_sent(self, channel_id: int, after: datetime, prefix: str) -> int | None:
        return None


class NoProblems:
    async def report_problem(self, guild_id: int, feature: str, key: str, message: str) -> None:
        return None

    async def clear_problem(self, guild_id: int, feature: str, key: str) -> None:
        return None


def drama_row(drama_id: int, guild_id: int, n: int, now: datetime, rng: random.Random) -> tuple:
    premiere = now.date() + timedelta(days=rng.randint(-40, 60))
    since = int((now - timedelta(days=60)).timestamp())
    return (drama_id, guild_id, f"Drama {n}", f"drama {n}", "alias one\nalias two", "tvN",
            rng.choice(SLOT_PATTERNS), premiere.isoformat(), rng.choice([12, 16, 20, 50]), 70,
            "Viki" if n % 2 else None, 60 if n % 2 else None, guild_id * 10 + 1, guild_id * 10 + 2,
            "60,10", since, 1, since)  # fmt: skip


def build_database(path: Path, now: datetime) -> None:
    """10,000 guilds x 3 announcing dramas, a few exceptions and 2 ledger rows per drama."""
    asyncio.run(_migrate(path))
    rng = random.Random(3)
    conn = sqlite3.connect(path)
    rows = []
    for guild in range(1, GUILDS + 1):
        for n in range(PER_GUILD):
            drama_id = (guild - 1) * PER_GUILD + n + 1
            rows.append(drama_row(drama_id, 1_000_000 + guild, n, now, rng))
    conn.executemany(
        "INSERT INTO airtime_dramas (drama_id, guild_id, title, title_key, aliases, network, "
        "slots, premiere, episodes, runtime_min, streaming, streaming_delay_min, channel_id, "
        "role_id, remind, announce_since, created_by, created_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    stamp = int((now - timedelta(hours=1)).timestamp())
    conn.executemany(
        "INSERT INTO airtime_exceptions (drama_id, kind, day, label, created_at) "
        "VALUES (?, 'skip', ?, '', ?)",
        [(i, (now.date() + timedelta(days=i % 30)).isoformat(), stamp)
         for i in range(1, len(rows) + 1, 10)],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind, state, "
        "claimed_at, done_at) VALUES (?, ?, ?, ?, 'sent', ?, ?)",
        [(row[1], row[0], "1", kind, stamp, stamp)
         for row in rows for kind in ("remind60", "onair")],
    )  # fmt: skip
    conn.commit()
    conn.close()


async def _migrate(path: Path) -> None:
    db = Database(path)
    await db.connect()
    await migrate(db)
    await db.close()


async def open_announcer(path: Path) -> tuple[Announcer, RecordingSender, Scheduler, Database]:
    db = Database(path)
    await db.connect()
    scheduler = Scheduler()
    scheduler.start()
    sender = RecordingSender()
    clock = SystemClock()
    announcer = Announcer(
        AirtimeStore(db), scheduler, clock, sender, NoProblems(), Outbox(db, clock)
    )
    return announcer, sender, scheduler, db


async def idle_loop() -> None:
    """Let callbacks queued by the rebuild run (counted in the rebuild time)."""
    for _ in range(3):
        await asyncio.sleep(0)


async def measure_rebuild(path: Path) -> tuple[float, int, float]:
    announcer, _, scheduler, db = await open_announcer(path)
    gc.collect()
    started = time.perf_counter()
    planned = await announcer.rebuild()
    await idle_loop()
    elapsed = time.perf_counter() - started
    jobs = len(scheduler.job_ids(JOB_PREFIX))
    print(
        f"  {planned:,} dramas with a next announcement: {jobs:,} scheduler jobs due within "
        f"the 6 h horizon, {len(announcer.later):,} waiting in the sweep heap"
    )
    scheduler.shutdown()
    await db.close()
    # Memory in a separate run: tracemalloc slows Python down and would distort the time.
    announcer, _, scheduler, db = await open_announcer(path)
    gc.collect()
    tracemalloc.start()
    await announcer.rebuild()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scheduler.shutdown()
    await db.close()
    return elapsed, jobs, peak / 1e6


async def add_due_dramas(db: Database, first_id: int, dues: list[datetime]) -> dict[int, float]:
    """Dramas whose episode 1 is moved to each `due`, announcing on-air only."""
    now = int(time.time())
    far = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
    expected: dict[int, float] = {}
    async with db.transaction() as conn:
        for offset, due in enumerate(dues):
            drama_id = first_id + offset
            await conn.execute(
                "INSERT INTO airtime_dramas (drama_id, guild_id, title, title_key, network, slots,"
                " premiere, episodes, runtime_min, channel_id, role_id, remind, announce_since,"
                " created_by, created_at) VALUES (?, ?, ?, ?, 'tvN', '2@21:30', ?, 16, 70, 5, 6,"
                " '', ?, 1, ?)",
                (drama_id, 2_000_000 + drama_id, f"Due {drama_id}", f"due {drama_id}", far, now,
                 now),
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO airtime_exceptions (drama_id, kind, episode, at, created_at) "
                "VALUES (?, 'move', 1, ?, ?)",
                (drama_id, int(due.timestamp()), now),
            )
            expected[drama_id] = int(due.timestamp())  # instants are stored in whole seconds
    return expected


async def measure_lateness(path: Path, spread: int, burst: int) -> dict[str, list[float]]:
    announcer, sender, scheduler, db = await open_announcer(path)
    base = datetime.fromtimestamp(int(time.time()) + 8, UTC)
    spread_dues = [base + timedelta(seconds=10 * i / spread) for i in range(spread)]
    burst_dues = [base + timedelta(seconds=20)] * burst
    first = GUILDS * PER_GUILD + 1
    expected = await add_due_dramas(db, first, spread_dues + burst_dues)
    await announcer.rebuild()  # the full load (30k dramas) plus the due ones
    print(
        f"  under load: {len(scheduler.job_ids(JOB_PREFIX)):,} scheduler jobs, "
        f"{len(announcer.later):,} in the heap"
    )
    sender.target = len(expected)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(sender.all_fired.wait(), timeout=60)
    await asyncio.sleep(1.0)  # let the last jobs mark their rows sent and plan their next run
    scheduler.shutdown()
    await db.close()
    spread_ids = range(first, first + spread)
    late = {
        "spread": [sender.fired[i] - expected[i] for i in spread_ids if i in sender.fired],
        "burst": [sender.fired[i] - expected[i] for i in expected if i not in spread_ids
                  and i in sender.fired],
    }  # fmt: skip
    late["missing"] = [float(len(expected) - len(sender.fired))]
    return late


def p(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        t0 = time.perf_counter()
        build_database(path, now)
        print(f"built {GUILDS:,} guilds x {PER_GUILD} dramas in {time.perf_counter() - t0:.1f} s")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        elapsed, _jobs, peak_mb = asyncio.run(measure_rebuild(path))
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"rebuild at start-up: {elapsed:.2f} s for {GUILDS * PER_GUILD:,} dramas (goal < 3 s)"
        )
        print(f"  peak Python memory (tracemalloc): {peak_mb:.1f} MB (goal < 150 MB)")
        print(f"  max RSS growth: {(rss_after - rss_before) / 1024:.1f} MB "
              f"(process max RSS {rss_after / 1024:.1f} MB)")  # fmt: skip
        late = asyncio.run(measure_lateness(path, SPREAD, BURST))
        for name in ("spread", "burst"):
            values = late[name]
            print(
                f"lateness, {len(values):,} announcements "
                + ("spread over 10 s" if name == "spread" else "due at the same instant")
                + f": p50 {p(values, 50) * 1000:.0f} ms, p99 {p(values, 99) * 1000:.0f} ms, "
                f"max {max(values) * 1000:.0f} ms (goal p99 < 1 s)"
            )
        print(f"  not fired within 60 s: {int(late['missing'][0])}")


if __name__ == "__main__":
    main()
