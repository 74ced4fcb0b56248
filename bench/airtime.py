"""Airtime benchmark: start-up arming for 10,000 guilds x 3 dramas, and announcement lateness.

Run: .venv/bin/python bench/airtime.py [--backend sqlite|postgresql|both] [--guilds N]
PostgreSQL runs on a throwaway cluster started from the machine's binaries (tests/pg.py).
Goals: start() returns at once (< 50 ms) and the background pass never stalls the loop for
more than 50 ms (issue 12); the full pass < 3 s and < 150 MB (issue 3); announcements fire
with p99 lateness < 1 s (issue 3; < 0.5 s is issue 12's).
Everything real except Discord: the migrated database, the stores, the Announcer and its
Planner, the bot's Scheduler (APScheduler); the sender only records when it was called.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import SystemClock
from bot.db import Database
from bot.migrate import migrate
from bot.outbox import Outbox
from bot.problems import ProblemKey
from bot.scheduler import Scheduler
from bot.shards import GuildScope
from cogs.airtime.keys import JOB_PREFIX
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.runner import Announcer
from cogs.airtime.store import AirtimeStore
from tests.pg import PostgresMissing, start_cluster, stop_cluster

PER_GUILD = 3
SPREAD = 2_000  # announcements due within a 10 s window
BURST = 1_000  # announcements due at the very same instant
TICK = 0.005  # the stall probe's period
SLOT_PATTERNS = ["0@21:50,1@21:50", "2@21:30,3@21:30", "4@20:50,5@20:50", "5@22:30,6@22:30",
                 "6@00:10", "5@21:10,6@21:10", "2@21:00,3@21:00"]  # fmt: skip


class RecordingSender:
    """Stands in for Discord: notes when each drama's announcement reached it."""

    def __init__(self) -> None:
        self.fired: dict[int, float] = {}
        self.next_id = 1
        self.target = 1 << 62  # set before any is due
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
    async def report(self, guild_id: int, key: ProblemKey, message: str) -> None:
        return None

    async def clear(self, guild_id: int, key: ProblemKey) -> None:
        return None


@dataclass
class Results:
    """One backend's figures, by label."""

    backend: str
    figures: dict[str, str] = field(default_factory=dict)


# -- the database ------------------------------------------------------------------------
def drama_rows(guilds: int, now: datetime) -> Iterator[dict[str, Any]]:
    rng = random.Random(3)
    since = int((now - timedelta(days=60)).timestamp())
    for guild in range(1, guilds + 1):
        for n in range(PER_GUILD):
            premiere = now.date() + timedelta(days=rng.randint(-40, 60))
            yield {
                "drama_id": (guild - 1) * PER_GUILD + n + 1, "guild_id": 1_000_000 + guild,
                "title": f"Drama {n}", "title_key": f"drama {n}",
                "aliases": "alias one\nalias two", "slots": rng.choice(SLOT_PATTERNS),
                "premiere": premiere.isoformat(), "episodes": rng.choice([12, 16, 20, 50]),
                "streaming": "Viki" if n % 2 else None, "delay": 60 if n % 2 else None,
                "channel_id": guild * 10 + 1, "role_id": guild * 10 + 2, "since": since,
            }  # fmt: skip


async def build_database(db: Database, guilds: int, now: datetime) -> None:
    """`guilds` x 3 announcing dramas, a few exceptions and 2 ledger rows per drama."""
    await migrate(db)
    rows = list(drama_rows(guilds, now))
    stamp = int((now - timedelta(hours=1)).timestamp())
    async with db.transaction() as tx:
        await tx.execute_many(
            "INSERT INTO airtime_dramas (drama_id, guild_id, title, title_key, aliases, network,"
            " slots, premiere, episodes, runtime_min, streaming, streaming_delay_min, channel_id,"
            " role_id, remind, announce_since, created_by, created_at) VALUES (:drama_id,"
            " :guild_id, :title, :title_key, :aliases, 'tvN', :slots, :premiere, :episodes, 70,"
            " :streaming, :delay, :channel_id, :role_id, '60,10', :since, 1, :since)",
            rows,
        )
        await tx.execute_many(
            "INSERT INTO airtime_exceptions (drama_id, kind, day, label, created_at) "
            "VALUES (:drama_id, 'skip', :day, '', :stamp)",
            [{"drama_id": i, "day": (now.date() + timedelta(days=i % 30)).isoformat(),
              "stamp": stamp} for i in range(1, len(rows) + 1, 10)],
        )  # fmt: skip
        await tx.execute_many(
            "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind, state, "
            "claimed_at, done_at) VALUES (:guild_id, :drama_id, '1', :kind, 'sent', :stamp, "
            ":stamp)",
            [{"guild_id": row["guild_id"], "drama_id": row["drama_id"], "kind": kind,
              "stamp": stamp} for row in rows for kind in ("remind60", "onair")],
        )  # fmt: skip
        await db.after_bulk_copy(tx, ["airtime_dramas"])


def open_announcer(db: Database) -> tuple[Announcer, RecordingSender, Scheduler]:
    scheduler = Scheduler()
    scheduler.start()
    sender = RecordingSender()
    clock = SystemClock()
    announcer = Announcer(AirtimeStore(db), LedgerStore(db), scheduler, clock, sender,
                          NoProblems(), Outbox(db, clock))  # fmt: skip
    return announcer, sender, scheduler


# -- start-up ----------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def stall_probe() -> Any:
    """Yield a callable giving the longest gap (s) between the probe's ticks meanwhile."""
    worst = [0.0]

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            worst[0] = max(worst[0], now - last - TICK)
            last = now

    task = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        yield lambda: worst[0]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def measure_start(db: Database, out: Results, dramas: int) -> float:
    announcer, _, scheduler = open_announcer(db)
    gc.collect()
    async with stall_probe() as worst:
        started = time.perf_counter()
        announcer.start(GuildScope.everything())  # what the bot's start-up waits for
        returned = time.perf_counter() - started
        planned = await announcer.planner.armed()
        armed = time.perf_counter() - started
        stall = worst()
    jobs = len(scheduler.job_ids(JOB_PREFIX))
    later = len(announcer.planner.later)
    scheduler.shutdown()
    out.figures["start() returns (goal < 50 ms)"] = f"{returned * 1000:.1f} ms"
    out.figures[f"background pass, {dramas:,} dramas (goal < 3 s)"] = f"{armed:.2f} s"
    out.figures["worst loop stall meanwhile (goal < 50 ms)"] = f"{stall * 1000:.0f} ms"
    out.figures["armed: jobs within 6 h / in the heap"] = f"{jobs:,} / {later:,}"
    out.figures["dramas with a next announcement"] = f"{planned:,}"
    # Memory in a separate pass: tracemalloc slows Python down and would distort the time.
    announcer, _, scheduler = open_announcer(db)
    gc.collect()
    tracemalloc.start()
    await announcer.rebuild()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scheduler.shutdown()
    out.figures["peak Python memory of a pass (goal < 150 MB)"] = f"{peak / 1e6:.1f} MB"
    return armed


# -- lateness ----------------------------------------------------------------------------
async def add_due_dramas(db: Database, first_id: int, dues: list[datetime]) -> dict[int, float]:
    """Dramas whose episode 1 is moved to each `due`, announcing on-air only."""
    now = int(time.time())
    far = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
    dramas = [{"drama_id": first_id + n, "guild_id": 2_000_000 + first_id + n,
               "title": f"Due {first_id + n}", "title_key": f"due {first_id + n}",
               "premiere": far, "now": now} for n in range(len(dues))]  # fmt: skip
    async with db.transaction() as tx:
        await tx.execute_many(
            "INSERT INTO airtime_dramas (drama_id, guild_id, title, title_key, network, slots,"
            " premiere, episodes, runtime_min, channel_id, role_id, remind, announce_since,"
            " created_by, created_at) VALUES (:drama_id, :guild_id, :title, :title_key, 'tvN',"
            " '2@21:30', :premiere, 16, 70, 5, 6, '', :now, 1, :now)",
            dramas,
        )
        await tx.execute_many(
            "INSERT INTO airtime_exceptions (drama_id, kind, episode, at, created_at) "
            "VALUES (:drama_id, 'move', 1, :at, :now)",
            [{"drama_id": d["drama_id"], "at": int(due.timestamp()), "now": now}
             for d, due in zip(dramas, dues, strict=True)],
        )  # fmt: skip
    # Instants are stored in whole seconds.
    return {d["drama_id"]: int(due.timestamp()) for d, due in zip(dramas, dues, strict=True)}


async def measure_lateness(db: Database, out: Results, first: int, pass_s: float) -> None:
    announcer, sender, scheduler = open_announcer(db)
    # Due only after the re-arming pass below (which takes about `pass_s`) is surely done.
    base = datetime.fromtimestamp(int(time.time() + 8 + 2 * pass_s), UTC)
    spread_dues = [base + timedelta(seconds=10 * i / SPREAD) for i in range(SPREAD)]
    burst_dues = [base + timedelta(seconds=20)] * BURST
    expected = await add_due_dramas(db, first, spread_dues + burst_dues)
    sender.target = len(expected)
    await announcer.rebuild()  # the full load plus the due ones
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(sender.all_fired.wait(), timeout=60)
    await asyncio.sleep(1.0)  # let the last jobs mark their rows sent and plan their next run
    await announcer.stop()
    scheduler.shutdown()
    spread_ids = range(first, first + SPREAD)
    late = {
        "spread": [sender.fired[i] - expected[i] for i in spread_ids if i in sender.fired],
        "burst": [sender.fired[i] - expected[i] for i in expected if i not in spread_ids
                  and i in sender.fired],
    }  # fmt: skip
    for name, what in (
        ("spread", f"{SPREAD:,} due over 10 s"),
        ("burst", f"{BURST:,} due at once"),
    ):
        values = late[name]
        label = f"lateness, {what}: p50 / p99 / max"
        out.figures[label] = (
            f"{p(values, 50) * 1000:.0f} / {p(values, 99) * 1000:.0f} / {max(values) * 1000:.0f} ms"
            if values
            else "none fired"
        )
    out.figures["not fired within 60 s"] = str(len(expected) - len(sender.fired))


def p(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# -- running -----------------------------------------------------------------------------
async def run_backend(backend: str, target: str, guilds: int) -> Results:
    out = Results(backend)
    now = datetime.now(UTC)
    db = Database(target)
    await db.connect()
    try:
        started = time.perf_counter()
        await build_database(db, guilds, now)
        out.figures["built (not a goal)"] = f"{time.perf_counter() - started:.1f} s"
        pass_s = await measure_start(db, out, guilds * PER_GUILD)
        await measure_lateness(db, out, guilds * PER_GUILD + 1, pass_s)
    finally:
        await db.close()
    return out


def on_backend(backend: str, guilds: int, tmp: Path) -> Results:
    if backend == "sqlite":
        return asyncio.run(run_backend(backend, str(tmp / "bench.sqlite3"), guilds))
    cluster = start_cluster()
    try:
        return asyncio.run(run_backend(backend, cluster.new_database(), guilds))
    finally:
        stop_cluster(cluster)


def table(results: list[Results]) -> str:
    labels = list(dict.fromkeys(label for r in results for label in r.figures))
    width = max(map(len, labels))
    columns = [max(len(r.backend), *(len(v) for v in r.figures.values())) for r in results]
    line: Callable[[str, list[str]], str] = lambda first, cells: "  ".join(  # noqa: E731
        [first.ljust(width)] + [c.rjust(w) for c, w in zip(cells, columns, strict=True)]
    )
    rows = [line("", [r.backend for r in results])]
    rows += [line(label, [r.figures.get(label, "-") for r in results]) for label in labels]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--guilds", type=int, default=10_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            print(f"running on {backend}…", flush=True)
            try:
                results.append(on_backend(backend, args.guilds, Path(tmp)))
            except PostgresMissing as missing:
                print(f"  skipped: {missing}")
    print(f"\n{args.guilds:,} guilds x {PER_GUILD} announcing dramas\n")
    print(table(results))


if __name__ == "__main__":
    main()
