"""Chaos: kill -9 the bot at random moments while fans vote, answer, and announcements fall due.

Usage: .venv/bin/python bench/chaos.py [--runs 30] [--seed 1]

The bot runs as a real process (`python -m bot run`, tests/botprocess.py) against the fake
Discord (tests/fakediscord), which runs in this process. Every cycle starts the bot on the same
database and kills it (SIGKILL) at a random moment of one of three kinds:

- start-up: anywhere from importing to connecting (before or after it owes notices);
- reconciliation: while its start-up read of a poll message's reactions is held at the fake;
- running: a few seconds into normal work.

Meanwhile, in real time, fans keep adding and removing reactions on a single-choice and a
multi-choice poll (live events while the bot is connected, silent changes while it is down),
click answers of the running trivia game (a new game is started after each restart, so every
kill interrupts one), and airtime specials fall due a minute or so ahead, with a 1-minute
reminder and an "on air" post each. After the last kill the bot is started once more and left
to settle, then stopped with SIGTERM, and Discord (the fake) is compared with the database:

- votes lost / phantom votes: reactions fans hold that the database lacks, and the reverse;
- answers lost: clicks the bot acknowledged with "Locked in" whose answer is not stored;
- announcements missing / duplicated: owed posts never made, or made twice (a reminder is owed
  only if the bot was up at least 8 s inside its minute; an on-air post always is);
- notices lost / duplicated: games closed by a restart against "game interrupted" notices.

All must be zero: the script exits 1 otherwise. `--runs` is the number of kills.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cogs.trivia.render import RESTART_NOTICE  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402
from tests.fakediscord import FakeDiscord, Interaction  # noqa: E402
from tests.harness import BotEnv, message_text  # noqa: E402

KST = ZoneInfo("Asia/Seoul")
FANS = 8
OPTIONS = ["🔥", "💋", "😭", "👑"]
READY = " bot.app ready"
REMINDER_UPTIME = 8.0  # seconds the bot must be up inside a reminder's minute for it to be owed
SPECIAL = re.compile(r"special: (S\d+) (is on air|airs)")


@dataclass
class Poll:
    name: str
    message_id: int


@dataclass
class Click:
    itx: Interaction
    game_id: int
    question: int
    user_id: int


@dataclass
class Figures:
    runs: int = 0
    kills: int = 0
    events: int = 0
    votes_lost: int = 0
    phantom_votes: int = 0
    answers_lost: int = 0
    announcements_missing: int = 0
    announcements_duplicated: int = 0
    notices_lost: int = 0
    notices_duplicated: int = 0
    unclean_exits: int = 0
    # What was checked (context, not failures):
    votes_held_at_end: int = 0
    answers_acknowledged: int = 0
    announcements_owed: int = 0
    games_interrupted: int = 0

    def failures(self) -> int:
        return sum(
            (
                self.votes_lost,
                self.phantom_votes,
                self.answers_lost,
                self.announcements_missing,
                self.announcements_duplicated,
                self.notices_lost,
                self.notices_duplicated,
                self.unclean_exits,
            )
        )

    def lines(self) -> list[str]:
        return [f"{name.replace('_', ' ')}: {value}" for name, value in vars(self).items()]


@dataclass
class Chaos:
    fake: FakeDiscord
    env: BotEnv
    bot: BotProcess
    rng: random.Random
    figures: Figures = field(default_factory=Figures)
    fans: list[int] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    trivia_channel: int = 0
    airtime_channel: int = 0
    role_id: int = 0
    specials: dict[str, datetime] = field(default_factory=dict)
    announce_since: float = 0.0
    uptime: list[tuple[float, float]] = field(default_factory=list)  # wall clock, up..killed
    clicks: list[Click] = field(default_factory=list)
    clicked: set[tuple[int, int, int]] = field(default_factory=set)
    acting: bool = True

    # --- the world ---------------------------------------------------------------------
    async def setup(self, specials: int, first_in: float) -> None:
        fake, env = self.fake, self.env
        env.build_world()
        self.trivia_channel = fake.add_channel(env.guild_id, "trivia")
        self.airtime_channel = fake.add_channel(env.guild_id, "airtime")
        self.role_id = fake.add_role(env.guild_id, "Chaos fans")
        self.fans = [fake.add_member(env.guild_id, name=f"fan{n}") for n in range(FANS)]
        await self.bot.start()
        for name, multi in (("single", False), ("multi", True)):
            self.polls.append(await self._poll(name, multi))
        await self._command(
            "drama",
            "add",
            title="Chaos Drama",
            network="tvN",
            days="Mon",
            time="03:00",
            premiere="2024-01-01",
            episodes=1,
        )
        await self._command(
            "drama",
            "announce",
            drama="Chaos Drama",
            channel=self.airtime_channel,
            role=self.role_id,
            remind="1",
        )
        self.announce_since = time.time() + 1  # owed from about now (the bot's clock)
        at = _next_minute(datetime.now(KST) + timedelta(seconds=first_in))
        for n in range(1, specials + 1):
            title = f"S{n}"
            await self._command(
                "drama",
                "edit",
                drama="Chaos Drama",
                special_title=title,
                special_at=at.strftime("%Y-%m-%d %H:%M"),
            )
            self.specials[title] = at
            at += timedelta(minutes=1)
        await self._start_game()

    async def _command(self, *path: str, **options: Any) -> str:
        itx = await self.env.slash(self.env.mod_id, *path, **options)
        return await itx.reply_text(timeout=20)

    async def _poll(self, name: str, multi: bool) -> Poll:
        before = len(self.fake.requests)
        text = await self._command(
            "poll",
            "create",
            question=f"Chaos {name}?",
            multi=multi,
            options=" | ".join(f"{e} {name}{n}" for n, e in enumerate(OPTIONS)),
        )
        assert "is up" in text, text
        post = await self.fake.wait_for_request(
            "POST", rf"/channels/{self.env.channel_id}/messages", after=before, timeout=20
        )
        return Poll(name, int(post.response["id"]))

    async def _start_game(self) -> None:
        with contextlib.suppress(Exception):
            itx = await self.env.slash(
                self.env.mod_id,
                "trivia",
                "start",
                channel_id=self.trivia_channel,
                questions=50,
                seconds=8,
            )
            await itx.reply_text(timeout=10)

    # --- fans --------------------------------------------------------------------------
    async def fans_act(self) -> None:
        while self.acting:
            try:
                if self.rng.random() < 0.7:
                    await self._react()
                else:
                    await self._click()
            except (RuntimeError, TimeoutError, KeyError):
                pass  # the bot went away mid-event: Discord's state changed all the same
            await asyncio.sleep(self.rng.uniform(0.01, 0.06))

    async def _react(self) -> None:
        poll = self.rng.choice(self.polls)
        fan, emoji = self.rng.choice(self.fans), self.rng.choice(OPTIONS)
        fake, env = self.fake, self.env
        held = fan in fake.world.reaction_users(poll.message_id, emoji)
        self.figures.events += 1
        args = (env.guild_id, env.channel_id, poll.message_id, fan, emoji)
        if not fake.gateway.connected:
            (fake.remove_reaction_offline if held else fake.add_reaction_offline)(*args)
        elif held:
            await fake.remove_reaction(*args, sync=False)
        else:
            await fake.add_reaction(*args, sync=False)

    def _question(self) -> tuple[int, list[str]] | None:
        for message in reversed(self.fake.messages.get(self.trivia_channel, [])):
            ids = [
                c.get("custom_id", "")
                for row in message.get("components") or []
                for c in row.get("components") or []
            ]
            if ids and ids[0].startswith("trivia:answer:"):
                return int(message["id"]), ids
        return None

    async def _click(self) -> None:
        found = self._question()
        if found is None or not self.fake.gateway.connected:
            return
        message_id, ids = found
        choice = self.rng.randrange(len(ids))
        _, _, game, question, _ = ids[choice].split(":")
        key = (int(game), int(question))
        fans = [f for f in self.fans if (*key, f) not in self.clicked]
        if not fans:
            return
        fan = self.rng.choice(fans)
        self.clicked.add((*key, fan))
        self.figures.events += 1
        itx = await self.fake.click(
            self.env.guild_id, self.trivia_channel, fan, message_id, ids[choice], sync=False
        )
        self.clicks.append(Click(itx, int(game), int(question), fan))

    # --- kills -------------------------------------------------------------------------
    async def cycle(self) -> None:
        kind = self.rng.choices(["start-up", "reconcile", "running"], [3, 3, 4])[0]
        await getattr(self, "_kill_" + kind.replace("-", "_"))()
        self.figures.runs += 1
        self.figures.kills += 1
        await asyncio.sleep(self.rng.uniform(0.0, 1.5))  # down for a moment; fans go on

    async def _kill_start_up(self) -> None:
        await self.bot.start(wait_ready=False)
        await asyncio.sleep(self.rng.uniform(0.05, 3.0))
        await self.bot.kill()

    async def _kill_reconcile(self) -> None:
        ids = "|".join(str(p.message_id) for p in self.polls)
        gate = self.fake.gate("GET", rf"/channels/{self.env.channel_id}/messages/({ids}).*")
        try:
            await self.bot.start(wait_ready=False)
            await gate.next(timeout=60)
            up = time.time()
            for _ in range(self.rng.randint(0, 3)):  # let a few reads through, hold the next
                gate.release()
                await asyncio.sleep(self.rng.uniform(0.0, 0.3))
                await gate.next(timeout=3)
            await asyncio.sleep(self.rng.uniform(0.1, 1.0))  # fans act during the read
            await self.bot.kill()
            self.uptime.append((up, time.time()))
        except TimeoutError:
            await self.bot.kill()
        finally:
            gate.open()
            self.fake.gates.remove(gate)

    async def _kill_running(self) -> None:
        await self.bot.start()
        up = time.time()
        await self._start_game()
        await asyncio.sleep(self.rng.uniform(1.0, 8.0))
        await self.bot.kill()
        self.uptime.append((up, time.time()))

    # --- the end -----------------------------------------------------------------------
    async def finish(self, db_path: Path) -> None:
        await self.bot.start()
        up = time.time()
        last = max(self.specials.values(), default=datetime.now(KST))
        # The last on-air post falls due (fans go on meanwhile), then a little time to send it.
        await asyncio.sleep(max((last - datetime.now(KST)).total_seconds() + 15, 0))
        self.acting = False
        await asyncio.sleep(0.5)
        await self._settle(db_path)
        self.uptime.append((up, time.time()))
        if await self.bot.terminate() != 0:
            self.figures.unclean_exits += 1

    async def _settle(self, db_path: Path, seconds: float = 30.0) -> None:
        """Wait (bounded) until the votes match and every notice is out; judge() says if not."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            votes_match = all(self._stored(db_path, p) == self._held(p) for p in self.polls)
            if votes_match and _open_notices(db_path) == 0:
                return
            await asyncio.sleep(0.5)

    def _held(self, poll: Poll) -> set[tuple[int, int]]:
        held = self.fake.world.reactions.get(poll.message_id, {})
        return {(u, n) for n, e in enumerate(OPTIONS) for u in held.get(e, []) if u in self.fans}

    def _stored(self, db_path: Path, poll: Poll) -> set[tuple[int, int]]:
        rows = _query(
            db_path,
            "SELECT v.user_id, v.position FROM poll_votes v JOIN polls p USING (poll_id) "
            "WHERE p.message_id = ?",
            (poll.message_id,),
        )
        return {(int(u), int(p)) for u, p in rows}

    def judge(self, db_path: Path) -> None:
        figures = self.figures
        for poll in self.polls:
            held, stored = self._held(poll), self._stored(db_path, poll)
            figures.votes_held_at_end += len(held)
            figures.votes_lost += len(held - stored)
            figures.phantom_votes += len(stored - held)
        rows = _query(db_path, "SELECT game_id, question_index, user_id FROM trivia_answers")
        answers = {(int(g), int(q), int(u)) for g, q, u in rows}
        callbacks = self._callbacks()
        for click in self.clicks:
            content = callbacks.get(click.itx.id, "")
            locked = click.itx.acknowledged and content.startswith("Locked in")
            figures.answers_acknowledged += locked
            if locked and (click.game_id, click.question, click.user_id) not in answers:
                figures.answers_lost += 1
        self._judge_announcements()
        interrupted = _query(
            db_path, "SELECT COUNT(*) FROM trivia_games WHERE status = 'interrupted'"
        )[0][0]
        notices = [
            m
            for m in self.fake.messages.get(self.trivia_channel, [])
            if message_text(m).startswith(RESTART_NOTICE)
        ]
        figures.games_interrupted = int(interrupted)
        figures.notices_lost = max(int(interrupted) - len(notices), 0)
        figures.notices_duplicated = max(len(notices) - int(interrupted), 0)

    def _callbacks(self) -> dict[int, str]:
        found: dict[int, str] = {}
        for rec in self.fake.find_requests("POST", r"/interactions/\d+/[^/]+/callback"):
            if rec.status == 200 and isinstance(rec.json, dict):
                content = str((rec.json.get("data") or {}).get("content") or "")
                found[int(rec.path.split("/")[2])] = content
        return found

    def _judge_announcements(self) -> None:
        posted: dict[tuple[str, str], int] = {}
        for message in self.fake.messages.get(self.airtime_channel, []):
            match = SPECIAL.search(message.get("content") or "")
            if match:
                kind = "onair" if match.group(2) == "is on air" else "remind"
                key = (match.group(1), kind)
                posted[key] = posted.get(key, 0) + 1
        for title, at in self.specials.items():
            due = at - timedelta(minutes=1)
            reminded = due.timestamp() >= self.announce_since and self._up_within(due, at)
            owed = [("onair", True), ("remind", reminded)]
            for kind, due in owed:
                count = posted.get((title, kind), 0)
                self.figures.announcements_owed += due
                self.figures.announcements_duplicated += max(count - 1, 0)
                if due and count == 0:
                    self.figures.announcements_missing += 1

    def _up_within(self, start: datetime, end: datetime) -> bool:
        low, high = start.timestamp(), end.timestamp()
        return any(min(b, high) - max(a, low) >= REMINDER_UPTIME for a, b in self.uptime)


def _next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _query(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def _open_notices(db_path: Path) -> int:
    rows = _query(db_path, "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'claimed')")
    return int(rows[0][0])


async def run(kills: int, seed: int, workdir: Path) -> Figures:
    """Set up, kill `kills` times, finish and judge; return the figures."""
    fake = FakeDiscord()
    await fake.start()
    db_path = workdir / "chaos.sqlite3"
    env = BotEnv(fake=fake, db_path=db_path, settings_overrides={})
    try:
        async with BotProcess(fake, db_path, workdir) as bot:
            chaos = Chaos(fake, env, bot, random.Random(seed))
            expected = kills * 6.0  # seconds of kills, roughly, on a 2-core machine
            await chaos.setup(specials=max(1, int(expected // 50)), first_in=20.0)
            chaos.figures.runs = 1
            await bot.kill()  # the set-up run ends like the others
            chaos.uptime.append((time.time() - 1, time.time()))
            chaos.figures.kills = 1
            fans = asyncio.create_task(chaos.fans_act())
            while chaos.figures.kills < kills:
                await chaos.cycle()
            await chaos.finish(db_path)
            chaos.figures.runs += 1
            chaos.acting = False
            await fans
            chaos.judge(db_path)
            return chaos.figures
    finally:
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="kill -9 the bot at random; count what is lost")
    parser.add_argument("--runs", type=int, default=30, help="how many times to kill the bot")
    parser.add_argument("--seed", type=int, default=1, help="random seed (kinds and moments)")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(run(args.runs, args.seed, Path(tmp)))
    print(f"chaos (seed {args.seed}, {time.monotonic() - started:.0f} s):")
    for line in figures.lines():
        print(f"  {line}")
    if figures.failures():
        print(f"FAILED: {figures.failures()} losses or duplicates", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
