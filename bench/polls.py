"""Poll benchmarks through the fake Discord's gateway and REST (not part of pytest).

1. Ingest: N MESSAGE_REACTION_ADD events from N different fans are queued on the gateway at
   once; we time until the database holds all N votes (none may be lost).
2. Reconciliation: 100 open polls whose 1,000 votes each were cast while the bot was down;
   we time from the bot's start until every vote is in the database.

Run: .venv/bin/python bench/polls.py [--events N] [--polls P] [--votes V]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv

OPTIONS = " | ".join(f"option {i}" for i in range(20))
FIRST_USER = 9_000_000_000_000_000


async def wait_count(env: BotEnv, sql: str, expected: int, limit: float) -> float:
    """Poll the database until `sql` returns `expected`; return the time it took."""
    start = time.perf_counter()
    while True:
        value = await env.running.db.fetch_value(sql)
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
        "SELECT poll_id FROM polls WHERE message_id = ?", (int(message["id"]),)
    )
    return int(poll_id), message


def make_users(fake: FakeDiscord, count: int) -> list[int]:
    ids = [FIRST_USER + i for i in range(count)]
    for user_id in ids:
        fake.world.ensure_user(user_id, f"fan{user_id % 100000}")
    return ids


async def bench_ingest(env: BotEnv, events: int) -> None:
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
    sql = f"SELECT COUNT(*) FROM poll_votes WHERE poll_id = {poll_id}"  # noqa: S608
    start = time.perf_counter()
    for payload in payloads:
        fake.gateway.enqueue_dispatch("MESSAGE_REACTION_ADD", payload)
    queued = time.perf_counter() - start
    took = await wait_count(env, sql, events, limit=120) + queued
    print(f"ingest: {events} reaction events persisted in {took:.2f} s = {events / took:,.0f}/s")
    lost = events - await env.running.db.fetch_value(sql)
    print(f"ingest: votes lost = {lost}")


async def bench_reconcile(env: BotEnv, polls: int, votes: int) -> None:
    fake = env.fake
    made = [await create_poll(env, "yes | no") for _ in range(polls)]
    await env.settle()
    await env.stop()
    users = make_users(fake, votes)
    for _, message in made:
        for i, user_id in enumerate(users):
            fake.world.add_reaction(int(message["id"]), "🇦" if i % 3 else "🇧", user_id)
    first = min(poll_id for poll_id, _ in made)
    sql = f"SELECT COUNT(*) FROM poll_votes WHERE poll_id >= {first}"  # noqa: S608
    gets_before = len(fake.find_requests("GET", r".*/reactions/.*"))
    start = time.perf_counter()
    await env.start()
    ready = time.perf_counter() - start
    took = await wait_count(env, sql, polls * votes, limit=300) + ready
    pages = len(fake.find_requests("GET", r".*/reactions/.*")) - gets_before
    print(
        f"reconcile: {polls} polls x {votes} votes cast while down: all {polls * votes:,} "
        f"in the database {took:.2f} s after start ({ready:.2f} s to ready; {pages} reaction pages)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--polls", type=int, default=100)
    parser.add_argument("--votes", type=int, default=1_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeDiscord()
        await fake.start()
        env = BotEnv(
            fake=fake,
            db_path=Path(tmp) / "bench.sqlite3",
            settings_overrides={"log_level": "WARNING"},
            extensions=["cogs.polls"],
        )
        env.build_world()
        try:
            await env.start()
            await bench_ingest(env, args.events)
            await bench_reconcile(env, args.polls, args.votes)
        finally:
            await env.stop()
            await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
