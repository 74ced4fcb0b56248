"""Benchmark trivia: typed-answer matching, and button clicks with every answer persisted.

Usage: .venv/bin/python bench/trivia.py [--burst 2000] [--rate 500] [--seconds 10]

1. Typed mode: a synthetic 2,000-question pack (parsed from YAML, planned for typed play, so
   every question's answers are normalised once up front); then a stream of chat messages
   (right, near misses, typos, chatter, long messages) judged against the current question
   through `Game.answer_text`, the same call the cog's on_message makes (matching, then the
   "is it a guess at all" rule for misses). Goal: < 0.2 ms each.
2. Button clicks, store only: `Game.answer_choice` + the answer committed through the game's
   `AnswerWriter` (answers arriving together share a transaction), 5,000 players on each of 4
   questions, concurrently: the bot's own cost of a click, without Discord.
3. Button clicks end to end. The bot runs as its own process (`python -m bot run`, as an
   operator starts it) against the fake Discord (tests/fakediscord), which runs in THIS
   process: Discord's side of the work is not done on the bot's CPU, as in production. Two
   one-question games with a 120 s timer: a burst (2,000 players click at once) and a
   sustained stream (500 clicks/s for 10 s). A click is judged, its answer committed, and
   acknowledged over REST; the bot is then stopped with SIGTERM and the answer rows counted.
   Answers lost = clicks not acknowledged within Discord's 3 s (Discord answers 404 Unknown
   interaction; the fan sees "This interaction failed") + acknowledged clicks with no row.
   Goal: >= 500 clicks/s and 0 lost. The benchmark exits 1, saying so, when any is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import Database  # noqa: E402
from bot.migrate import migrate  # noqa: E402
from cogs.trivia.answers import AnswerWriter  # noqa: E402
from cogs.trivia.game import Game, Mode, plan_question  # noqa: E402
from cogs.trivia.packs import parse_pack  # noqa: E402
from cogs.trivia.store import NewGame, TriviaStore  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402
from tests.fakediscord import FakeDiscord, InteractionState  # noqa: E402
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


@dataclass
class Round:
    """One scenario's clicks as the fake Discord saw them."""

    name: str
    clicks: list[InteractionState]
    dispatch_seconds: float
    game_id: int = 0
    rows: int = 0

    @property
    def acknowledged(self) -> list[InteractionState]:
        # The fake refuses a first response after 3 s (404 Unknown interaction), so an
        # acknowledged click is one acknowledged in time.
        return [c for c in self.clicks if c.acked]

    @property
    def lost(self) -> int:
        """Clicks not acknowledged in time, plus acknowledged ones without a stored answer."""
        return (
            len(self.clicks) - len(self.acknowledged) + max(len(self.acknowledged) - self.rows, 0)
        )

    def report(self) -> str:
        acked = self.acknowledged
        if not acked:
            return (
                f"  {self.name}: none of {len(self.clicks)} clicks acknowledged; lost {self.lost}"
            )
        waits = sorted(c.acked_at - c.dispatched_at for c in acked)
        first = min(c.dispatched_at for c in self.clicks)
        span = max(c.acked_at for c in acked) - first
        return (
            f"  {self.name}: {len(self.clicks)} clicks dispatched in {self.dispatch_seconds:.2f} s "
            f"({len(self.clicks) / self.dispatch_seconds:,.0f}/s offered); {len(acked)} "
            f"acknowledged within 3 s in {span:.2f} s -> {len(acked) / span:,.0f} clicks/s; "
            f"wait p50 {waits[len(waits) // 2] * 1000:.0f} ms, p99 "
            f"{waits[int(len(waits) * 0.99) - 1] * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms; "
            f"answer rows {self.rows}; answers lost {self.lost}"
        )


async def _start_game(env: BotEnv, channel_id: int) -> tuple[int, list[str]]:
    fake = env.fake
    before = len(fake.requests)
    itx = await env.slash(
        env.fan_id, "trivia", "start", channel_id=channel_id, questions=1, seconds=120
    )
    await itx.reply_text(timeout=30)
    question = await fake.wait_for_request(
        "POST", rf"/channels/{channel_id}/messages", after=before, timeout=30
    )
    ids = [c["custom_id"] for row in question.json["components"] for c in row["components"]]
    return int(question.response["id"]), ids


async def _settled(fake: FakeDiscord, clicks: list[InteractionState]) -> None:
    """Wait until every click is acknowledged or past Discord's deadline (it never will be)."""
    loop = asyncio.get_running_loop()
    waiting = [c for c in clicks if not c.acked]
    while waiting:
        await asyncio.sleep(0.05)  # polling: one waiter per click would cost the fake more
        waiting = [c for c in waiting if not c.acked and loop.time() - c.dispatched_at < 3.5]


async def burst(env: BotEnv, players: list[int], channel_id: int) -> Round:
    """Every player clicks the same question at once."""
    fake = env.fake
    message_id, ids = await _start_game(env, channel_id)
    first = len(fake.interactions)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            fake.click(env.guild_id, channel_id, u, message_id, ids[i % len(ids)], sync=False)
            for i, u in enumerate(players)
        )
    )
    dispatched = time.perf_counter() - started
    clicks = fake.interactions[first:]
    await _settled(fake, clicks)
    return Round(f"burst ({len(players):,} players, one question)", clicks, dispatched)


async def sustained(env: BotEnv, players: list[int], channel_id: int, rate: int) -> Round:
    """Players click one after another at `rate` clicks per second."""
    fake = env.fake
    loop = asyncio.get_running_loop()
    message_id, ids = await _start_game(env, channel_id)
    first = len(fake.interactions)
    sending: list[asyncio.Task[object]] = []
    started = loop.time()
    for i, user in enumerate(players):
        delay = started + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        click = fake.click(
            env.guild_id, channel_id, user, message_id, ids[i % len(ids)], sync=False
        )
        sending.append(asyncio.create_task(click))
    await asyncio.gather(*sending)
    dispatched = loop.time() - started
    clicks = fake.interactions[first:]
    await _settled(fake, clicks)
    seconds = len(players) / rate
    return Round(f"sustained ({rate}/s for {seconds:.0f} s)", clicks, dispatched)


def _rows_per_game(path: Path) -> dict[int, int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT game_id, COUNT(*) FROM trivia_answers GROUP BY game_id")
        return {int(game): int(count) for game, count in rows}
    finally:
        conn.close()


async def bench_clicks(burst_players: int, rate: int, seconds: int) -> int:
    """Both scenarios against the bot as a process; return the answers lost."""
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeDiscord()
        await fake.start()
        env = BotEnv(fake=fake, db_path=Path(tmp) / "bench.sqlite3", settings_overrides={})
        env.build_world()
        steady_channel = fake.add_channel(env.guild_id, "steady")
        count = max(burst_players, rate * seconds)
        players = [fake.add_member(env.guild_id, name=f"p{i}") for i in range(count)]
        try:
            async with BotProcess(fake, env.db_path, Path(tmp)) as bot:
                await bot.start()
                rounds = [
                    await burst(env, players[:burst_players], env.channel_id),
                    await sustained(env, players[: rate * seconds], steady_channel, rate),
                ]
                code = await bot.terminate()  # SIGTERM: what was acknowledged must be stored
        finally:
            await fake.stop()
        rows = _rows_per_game(env.db_path)
        for game_id, round_ in zip(sorted(rows), rounds, strict=False):
            round_.game_id, round_.rows = game_id, rows[game_id]
    print(
        "clicks end to end (the bot runs as its own process, `python -m bot run`; the fake "
        "Discord runs in this benchmark's process, so Discord's work is not on the bot's CPU):"
    )
    for round_ in rounds:
        print(round_.report())
    print(f"  bot exit code after SIGTERM: {code}")
    return sum(round_.lost for round_ in rounds) + (code != 0)


async def bench_store_clicks() -> None:
    """The bot's own share of a click: judge it and commit its answer (no Discord)."""
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
        writer = AnswerWriter(store)
        writer.start()
        users = 5000
        start = time.perf_counter()
        for question in range(4):
            game.index = question
            game.ask(0.0)

            async def click(user: int, index: int = question) -> None:
                answer = game.answer_choice(user, index, user % 2, 1.0)
                await writer.record(game_id, 1, answer, 1)

            await asyncio.gather(*(click(u) for u in range(users)))
        elapsed = time.perf_counter() - start
        await writer.stop()
        stored = await db.fetch_value("SELECT COUNT(*) FROM trivia_answers")
        await db.close()
    print(
        f"clicks (store only): {4 * users} clicks judged and committed in {elapsed:.2f} s -> "
        f"{4 * users / elapsed:,.0f} clicks/s; rows: {stored} (lost: {4 * users - stored})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="trivia benchmarks")
    parser.add_argument("--burst", type=int, default=2000, help="players in the burst")
    parser.add_argument("--rate", type=int, default=500, help="sustained clicks per second")
    parser.add_argument("--seconds", type=int, default=10, help="sustained duration")
    parser.add_argument("--clicks-only", action="store_true", help="only the end-to-end clicks")
    args = parser.parse_args()
    if not args.clicks_only:
        bench_typed()
        asyncio.run(bench_store_clicks())
    lost = asyncio.run(bench_clicks(args.burst, args.rate, args.seconds))
    if lost:
        print(f"FAILED: {lost} answers lost (or an unclean exit)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
