"""Benchmark trivia: typed-answer matching and button clicks with scores persisted.

Usage: .venv/bin/python bench/trivia.py

1. Typed mode: a synthetic 2,000-question pack (parsed from YAML, planned for typed play, so
   every question's answers are normalised once up front); then a stream of chat messages
   (right, near misses, typos, chatter, long messages) judged against the current question
   through `Game.answer_text`, the same call the cog's on_message makes (matching, then the
   "is it a guess at all" rule for misses). Goal: < 0.2 ms each.
2. Button clicks, store only: `Game.answer_choice` + the committed answer row, 5,000 players
   on each of 4 questions, concurrently on the one shared connection (the bot's own cost).
3. Button clicks: the real bot against the fake Discord (tests/fakediscord), one game with
   2,000 distinct players clicking concurrently through the gateway; each click is judged,
   committed to SQLite and answered over REST. Goal: 500 clicks/s, none lost (rows counted).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import Database  # noqa: E402
from bot.migrate import migrate  # noqa: E402
from cogs.trivia.game import Game, Mode, plan_question  # noqa: E402
from cogs.trivia.packs import parse_pack  # noqa: E402
from cogs.trivia.store import NewGame, TriviaStore  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402
from tests.harness import BotEnv  # noqa: E402

PACK_QUESTIONS = 2000
MESSAGES = 200_000
PLAYERS = 2000
WORDS = [
    "park",
    "seo",
    "joon",
    "kim",
    "mi",
    "so",
    "lee",
    "young",
    "wardrobe",
    "cufflink",
    "secretary",
    "vice",
    "chairman",
    "tvn",
    "webtoon",
    "kiss",
    "episode",
    "morning",
]


def _answer(rng: random.Random, i: int) -> str:
    if i % 3 == 0:
        return str(rng.randint(1, 16))
    return " ".join(rng.choice(WORDS).title() for _ in range(rng.randint(2, 4))) + f" {i}"


def build_pack_yaml(rng: random.Random) -> str:
    lines = ["name: Bench pack", "description: synthetic", "questions:"]
    for i in range(PACK_QUESTIONS):
        answer = _answer(rng, i)
        lines += [
            f"  - question: Synthetic question number {i}?",
            f"    answers: [{json.dumps(answer)}, {json.dumps(answer.lower())}]",
        ]
    return "\n".join(lines) + "\n"


def _messages(rng: random.Random, answers: list[str]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for n in range(MESSAGES):
        q = n % len(answers)
        answer = answers[q]
        kind = n % 5
        if kind == 0:
            text = answer.upper()
        elif kind == 1 and len(answer) > 5:
            text = answer[:2] + answer[3] + answer[2] + answer[4:]  # swapped letters
        elif kind == 2:
            text = f"{answer}'s brother"
        elif kind == 3:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
        else:
            text = "lol " * rng.randint(1, 60)
        out.append((q, text))
    return out


def bench_typed() -> None:
    rng = random.Random(7)
    source = build_pack_yaml(rng)
    t0 = time.perf_counter()
    pack = parse_pack(source)
    t1 = time.perf_counter()
    planned = [plan_question(q, pack, Mode.TYPED, rng) for q in pack.questions]
    t2 = time.perf_counter()
    games = [Game(1, 1, 1, 1, Mode.TYPED, 20, "bench", [p for p in planned if p is not None])]
    game = games[0]
    messages = _messages(rng, [q.answers[0] for q in pack.questions])
    right = tries = 0
    start = time.perf_counter()
    for n, (q, text) in enumerate(messages):
        if game.index != q:
            game.index = q
            game.ask(0.0)
        answer = game.answer_text(n % 500, text, 1.0)
        tries += answer is not None
        right += bool(answer and answer.correct)
    elapsed = time.perf_counter() - start
    per_message_us = elapsed / len(messages) * 1e6
    print(
        f"typed: parsed {len(pack.questions)}-question pack in {(t1 - t0) * 1000:.0f} ms, "
        f"planned (answers pre-normalised) in {(t2 - t1) * 1000:.0f} ms"
    )
    print(
        f"typed: {len(messages)} messages judged in {elapsed:.2f} s -> "
        f"{len(messages) / elapsed:,.0f} messages/s, {per_message_us:.1f} µs per message "
        f"(goal < 200 µs); {right} counted right, {tries - right} wrong tries, "
        f"{len(messages) - tries} ignored as chatter"
    )


async def bench_clicks() -> None:
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeDiscord()
        await fake.start()
        env = BotEnv(
            extensions=["cogs.trivia"],
            fake=fake,
            db_path=Path(tmp) / "bench.sqlite3",
            settings_overrides={"log_level": "WARNING"},
        )
        env.build_world()
        players = [fake.add_member(env.guild_id, name=f"p{i}") for i in range(PLAYERS)]
        await env.start()
        try:
            await run_clicks(env, players)
        finally:
            await env.stop()
            await fake.stop()


async def run_clicks(env: BotEnv, players: list[int]) -> None:
    fake = env.fake
    before = len(fake.requests)
    itx = await env.slash(env.fan_id, "trivia", "start", questions=1, seconds=120)
    await itx.reply_text()
    question = await fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    message_id = int(question.response["id"])
    ids = [c["custom_id"] for row in question.json["components"] for c in row["components"]]
    sent_before = len(fake.requests)
    start = time.perf_counter()
    # Fire every click through the gateway, then count the bot's callbacks (polling a counter:
    # one waiter per click would make the fake's own bookkeeping quadratic).
    await asyncio.gather(
        *(
            fake.click(env.guild_id, env.channel_id, u, message_id, ids[i % len(ids)])
            for i, u in enumerate(players)
        )
    )
    dispatched = time.perf_counter() - start
    answered = 0
    deadline = time.perf_counter() + 90
    while time.perf_counter() < deadline:
        answered = sum(
            1
            for r in fake.requests[sent_before:]
            if r.method == "POST" and r.path.endswith("/callback")
        )
        if answered >= len(players):
            break
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - start
    stored = await env.running.db.fetch_value("SELECT COUNT(*) FROM trivia_answers")
    print(
        f"clicks: {len(players)} players' clicks dispatched in {dispatched:.2f} s, all "
        f"{answered} answered in {elapsed:.2f} s -> {answered / elapsed:,.0f} clicks/s "
        f"(goal 500/s); answer rows committed: {stored} (lost: {len(players) - stored})"
    )


async def bench_store_clicks() -> None:
    """The bot's own share of a click: judge it and commit the answer row (no Discord)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "store.sqlite3")
        await db.connect()
        await migrate(db)
        store = TriviaStore(db)
        rng = random.Random(3)
        pack = parse_pack(build_pack_yaml(rng))
        planned = [
            p for p in (plan_question(q, pack, Mode.BUTTONS, rng) for q in pack.questions) if p
        ]
        game_id = await store.create_game(
            NewGame(1, 1, 1, "bench", "bench", "buttons", 120, len(planned), "[]", 0)
        )
        game = Game(game_id, 1, 1, 1, Mode.BUTTONS, 120, "bench", planned)
        users = 5000
        start = time.perf_counter()
        for question in range(4):
            game.index = question
            game.ask(0.0)

            async def click(user: int, index: int = question) -> None:
                answer = game.answer_choice(user, index, user % 2, 1.0)
                await store.record_answer(game_id, 1, answer, 1)

            await asyncio.gather(*(click(u) for u in range(users)))
        elapsed = time.perf_counter() - start
        stored = await db.fetch_value("SELECT COUNT(*) FROM trivia_answers")
        await db.close()
    print(
        f"clicks (store only): {4 * users} clicks judged and committed in {elapsed:.2f} s -> "
        f"{4 * users / elapsed:,.0f} clicks/s; rows: {stored} (lost: {4 * users - stored})"
    )


def main() -> None:
    bench_typed()
    asyncio.run(bench_store_clicks())
    asyncio.run(bench_clicks())


if __name__ == "__main__":
    main()
