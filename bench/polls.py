"""Poll benchmarks through the fake Discord's gateway and REST (not part of pytest).

1. Ingest: N MESSAGE_REACTION_ADD events from N different fans are queued on the gateway at
   once; we time until the database holds all N votes (none may be lost).
2. Reconciliation: 100 open polls whose 1,000 votes each were cast while the bot was down;
   we time from the bot's start until every vote is in the database.

Each runs on SQLite (a temporary file) and/or PostgreSQL (a throwaway cluster started from
the machine's PostgreSQL binaries, as the tests do); the figures are printed side by side.
That cluster runs without fsync (tests/pg.py): its figures are a best case for a real server.

Run: .venv/bin/python bench/polls.py [--events N] [--polls P] [--votes V]
     [--backend sqlite|postgresql|both]
Goal (issue 12): completes at its default size, >= 2,000 events/s persisted, 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv
from tests.pg import PostgresCluster, start_cluster, stop_cluster

OPTIONS = " | ".join(f"option {i}" for i in range(20))
FIRST_USER = 9_000_000_000_000_000
GOAL_EVENTS_PER_S = 2_000
BACKENDS = ("sqlite", "postgresql")


@dataclass
class Figures:
    """What one backend's run measured."""

    backend: str
    events: int = 0
    ingest_s: float = 0.0
    lost: int = 0
    polls: int = 0
    votes: int = 0
    reconcile_s: float = 0.0
    ready_s: float = 0.0
    pages: int = 0

    @property
    def events_per_s(self) -> float:
        return self.events / self.ingest_s if self.ingest_s else 0.0


async def wait_count(
    env: BotEnv, sql: str, params: dict[str, Any], expected: int, limit: float
) -> float:
    """Poll the database until `sql` returns `expected`; return the time it took."""
    start = time.perf_counter()
    while True:
        value = await env.running.db.fetch_value(sql, params)
        if value == expected:
            return time.perf_counter() - start
        if time.perf_counter() - start > limit:
            raise SystemExit(f"timed out: {value} of {expected} after {limit} s")
        await asyncio.sleep(0.005)


async def create_poll(env: BotEnv, options: str = OPTIONS) -> tuple[int, dict[str, Any]]:
    before = len(env.fake.requests)
    itx = await env.slash(env.fan_id, "poll", "create", question="Bench?", options=options)
    await itx.reply_text(timeout=30)
    post = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before, timeout=30
    )
    message: dict[str, Any] = post.response
    poll_id = await env.running.db.fetch_value(
        "SELECT poll_id FROM polls WHERE message_id = :message_id",
        {"message_id": int(message["id"])},
    )
    return int(poll_id), message


def make_users(fake: FakeDiscord, count: int) -> list[int]:
    ids = [FIRST_USER + i for i in range(count)]
    for user_id in ids:
        fake.world.ensure_user(user_id, f"fan{user_id % 100000}")
    return ids


async def bench_ingest(env: BotEnv, events: int, figures: Figures) -> None:
    fake = env.fake
    poll_id, message = await create_poll(env)
    await env.settle()
    users = make_users(fake, events)
    letters = [chr(0x1F1E6 + i) for i in range(20)]
    payloads = []
    for i, user_id in enumerate(users):
        emoji = letters[i % 20]
        fake.world.add_reaction(int(message["id"]), emoji, user_id)
        payloads.append(
            fake._reaction_event_payload("MESSAGE_REACTION_ADD", message, emoji, user_id)
        )
    sql = "SELECT COUNT(*) FROM poll_votes WHERE poll_id = :poll_id"
    params = {"poll_id": poll_id}
    start = time.perf_counter()
    for payload in payloads:
        fake.gateway.enqueue_dispatch("MESSAGE_REACTION_ADD", payload)
    queued = time.perf_counter() - start
    figures.events = events
    figures.ingest_s = await wait_count(env, sql, params, events, limit=120) + queued
    figures.lost = events - await env.running.db.fetch_value(sql, params)
    print(
        f"[{figures.backend}] ingest: {events:,} reaction events persisted in "
        f"{figures.ingest_s:.2f} s = {figures.events_per_s:,.0f}/s; lost {figures.lost}"
    )


async def bench_reconcile(env: BotEnv, polls: int, votes: int, figures: Figures) -> None:
    fake = env.fake
    made = [await create_poll(env, "yes | no") for _ in range(polls)]
    await env.settle()
    await env.stop()
    users = make_users(fake, votes)
    for _, message in made:
        for i, user_id in enumerate(users):
            fake.world.add_reaction(int(message["id"]), "🇦" if i % 3 else "🇧", user_id)
    sql = "SELECT COUNT(*) FROM poll_votes WHERE poll_id >= :first"
    params = {"first": min(poll_id for poll_id, _ in made)}
    gets_before = len(fake.find_requests("GET", r".*/reactions/.*"))
    start = time.perf_counter()
    await env.start()
    figures.polls, figures.votes = polls, votes
    figures.ready_s = time.perf_counter() - start
    took = await wait_count(env, sql, params, polls * votes, limit=300)
    figures.reconcile_s = took + figures.ready_s
    figures.pages = len(fake.find_requests("GET", r".*/reactions/.*")) - gets_before
    print(
        f"[{figures.backend}] reconcile: {polls} polls x {votes} votes cast while down: all "
        f"{polls * votes:,} in the database {figures.reconcile_s:.2f} s after start "
        f"({figures.ready_s:.2f} s to ready; {figures.pages} reaction pages)"
    )


async def run(backend: str, args: argparse.Namespace, cluster: PostgresCluster | None) -> Figures:
    """Both benchmarks on one backend, with a fresh fake Discord and an empty database."""
    figures = Figures(backend)
    overrides: dict[str, Any] = {"log_level": "WARNING"}
    if cluster is not None:
        overrides["database_url"] = cluster.new_database()  # empty: the bot migrates it
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeDiscord()
        await fake.start()
        env = BotEnv(
            fake=fake,
            db_path=Path(tmp) / "bench.sqlite3",
            settings_overrides=overrides,
            extensions=["cogs.polls"],
        )
        env.build_world()
        try:
            await env.start()
            await bench_ingest(env, args.events, figures)
            await bench_reconcile(env, args.polls, args.votes, figures)
        finally:
            await env.stop()
            await fake.stop()
    return figures


def table(results: list[Figures]) -> str:
    """The figures of every backend run, side by side."""
    rows = [
        ("ingest events", lambda f: f"{f.events:,}"),
        ("ingest persisted/s", lambda f: f"{f.events_per_s:,.0f}"),
        ("ingest lost", lambda f: str(f.lost)),
        ("ingest seconds", lambda f: f"{f.ingest_s:.2f}"),
        ("reconcile votes", lambda f: f"{f.polls * f.votes:,}"),
        ("reconcile seconds", lambda f: f"{f.reconcile_s:.2f}"),
        ("  of which to ready", lambda f: f"{f.ready_s:.2f}"),
        ("reaction pages read", lambda f: f"{f.pages:,}"),
    ]
    lines = [f"{'':22}" + "".join(f"{f.backend:>14}" for f in results)]
    lines += [f"{name:22}" + "".join(f"{cell(f):>14}" for f in results) for name, cell in rows]
    met = all(f.events_per_s >= GOAL_EVENTS_PER_S and f.lost == 0 for f in results)
    lines.append(
        f"goal: >= {GOAL_EVENTS_PER_S:,} events/s persisted, 0 lost: {'met' if met else 'MISSED'}"
    )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--polls", type=int, default=100)
    parser.add_argument("--votes", type=int, default=1_000)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    cluster = start_cluster() if "postgresql" in backends else None
    try:
        results = [
            await run(backend, args, cluster if backend == "postgresql" else None)
            for backend in backends
        ]
    finally:
        if cluster is not None:
            stop_cluster(cluster)
    print(table(results))


if __name__ == "__main__":
    asyncio.run(main())
