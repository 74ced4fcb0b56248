"""Running games: post questions, take answers, reveal on the scheduler's deadline, finish.

One `Game` object per running game (in `Runner.games`, keyed by id); the database holds the
game row and every answer, committed (in groups, by `AnswerWriter`) before its player is told.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import discord

from bot.db import Transaction
from bot.errors import InvalidInput, NotAllowed
from bot.replies import NO_PINGS
from cogs.trivia import render
from cogs.trivia.answers import AnswerWriter
from cogs.trivia.game import Answer, Game, Mode, plan_game
from cogs.trivia.packs import Pack
from cogs.trivia.store import GameRow, NewGame, Standing, TriviaStore
from cogs.trivia.views import answer_view

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

JOB_PREFIX = "trivia:deadline:"
NOTICE_FEATURE = "trivia"  # the outbox's name for trivia's notices
PROBLEM_KEY = "post:{channel_id}"


class Begun(StrEnum):
    """How asking a game's first question went."""

    ASKED = "asked"  # posted (or the game was stopped before it began)
    CANNOT_POST = "cannot post"  # Discord refused the post: the game was called off
    FAILED = "failed"  # something of ours failed (the database): the game was called off


@dataclass(frozen=True)
class StartRequest:
    """A validated /trivia start."""

    guild_id: int
    channel_id: int
    starter_id: int
    pack: Pack
    mode: Mode
    questions: int
    seconds: int
    aired: int | None


@dataclass(frozen=True)
class Click:
    """A counted button answer, with what it picked read before anything could move on."""

    answer: Answer
    label: str
    deadline: float


class Runner:
    """Owns the running games of this bot process."""

    def __init__(self, bot: DramaBot, store: TriviaStore) -> None:
        """Use the bot's scheduler, clock and channels, and `store` for persistence."""
        self.bot = bot
        self.store = store
        self.answers = AnswerWriter(store)
        self.games: dict[int, Game] = {}
        self.by_channel: dict[int, int] = {}
        self.rng = random.SystemRandom()

    def _now(self) -> float:
        return self.bot.clock.now().timestamp()

    def in_channel(self, channel_id: int) -> Game | None:
        """The game running in a channel, if any."""
        game_id = self.by_channel.get(channel_id)
        return None if game_id is None else self.games.get(game_id)

    async def start(self, request: StartRequest) -> tuple[Game, int]:
        """Plan, store and register a game (not yet asked); also return the spoiler-hidden count."""
        planned, hidden = plan_game(
            request.pack,
            request.mode,
            request.questions,
            request.aired,
            self.rng,
        )
        plan = json.dumps(
            [
                {"q": p.question.index, "choices": list(p.choices), "correct": p.correct}
                for p in planned
            ]
        )
        game_id = await self.store.create_game(
            NewGame(
                request.guild_id,
                request.channel_id,
                request.starter_id,
                request.pack.key,
                request.pack.name,
                request.mode.value,
                request.seconds,
                len(planned),
                plan,
                int(self._now()),
            )
        )
        game = Game(
            game_id,
            request.guild_id,
            request.channel_id,
            request.starter_id,
            request.mode,
            request.seconds,
            request.pack.name,
            planned,
        )
        self.games[game_id] = game
        self.by_channel[request.channel_id] = game_id
        log.info("trivia game started", extra={"game_id": game_id, "guild_id": request.guild_id})
        return game, hidden

    def _channel(self, game: Game) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(game.channel_id, guild_id=game.guild_id)

    async def begin(self, game: Game) -> Begun:
        """Ask the first question, under the game's lock so a racing stop waits for it.

        Any failure closes the game: a game with no question and no timer would hold the
        channel until the next restart.
        """
        async with game.lock:
            if self.games.get(game.game_id) is not game:
                return Begun.ASKED  # stopped before it began: nothing to post
            try:
                return Begun.ASKED if await self.ask(game) else Begun.CANNOT_POST
            except Exception:
                log.exception("trivia first question failed", extra={"game_id": game.game_id})
                await self._abort(game)
                return Begun.FAILED

    async def ask(self, game: Game) -> bool:
        """Post the current question and schedule its deadline; False if it could not be posted.

        The question's index is saved before it is posted: if the database fails, the question
        is never shown (the caller closes the game).
        """
        game.ask(self._now())
        await self.store.set_index(game.game_id, game.index)
        embed = discord.Embed(
            title=render.question_title(game),
            description=render.question_text(game),
            colour=discord.Colour.gold(),
        )
        if game.current.question.image:
            embed.set_image(url=game.current.question.image)
        view = answer_view(game) if game.mode is Mode.BUTTONS else discord.utils.MISSING
        try:
            message = await self._channel(game).send(
                embed=embed, view=view, allowed_mentions=NO_PINGS
            )
        except discord.Forbidden:
            await self._cannot_post(game)
            return False
        except discord.NotFound:
            # The channel is gone: nothing a moderator could grant, so nothing to report.
            await self.channel_deleted(game.guild_id, game.channel_id)
            return False
        except discord.HTTPException:
            log.warning("could not post a trivia question", extra={"game_id": game.game_id})
            await self._end(game, "stopped")
            return False
        if game.index == 0:
            await self.bot.guild_settings.clear_problem(
                game.guild_id, "trivia", PROBLEM_KEY.format(channel_id=game.channel_id)
            )
        game.message_id = message.id
        deadline = datetime.fromtimestamp(game.deadline, UTC)
        self.bot.scheduler.schedule(
            f"{JOB_PREFIX}{game.game_id}", deadline, self.on_deadline, game.game_id, game.index
        )
        return True

    async def _cannot_post(self, game: Game) -> None:
        await self.bot.guild_settings.report_problem(
            game.guild_id,
            "trivia",
            PROBLEM_KEY.format(channel_id=game.channel_id),
            f"Trivia cannot post in <#{game.channel_id}>: grant me View Channel, Send Messages "
            "and Embed Links there.",
        )
        await self._end(game, "stopped")

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """A channel was deleted: end its game and forget its 'cannot post' problem."""
        game = self.in_channel(channel_id)
        if game is not None:
            log.info("trivia channel deleted", extra={"game_id": game.game_id})
            await self._end(game, "stopped")
        await self.bot.guild_settings.clear_problem(
            guild_id, "trivia", PROBLEM_KEY.format(channel_id=channel_id)
        )

    async def on_deadline(self, game_id: int, index: int) -> None:
        """Scheduler job: reveal the question, then ask the next or finish."""
        game = self.games.get(game_id)
        if game is None:
            return
        async with game.lock:
            if game.index != index or not game.open or self.games.get(game_id) is None:
                return
            try:
                await self._step(game)
            except Exception:
                # A job must never leave a game running with no timer: close it, keep points.
                log.exception("trivia deadline failed", extra={"game_id": game_id})
                if await self._abort(game):
                    await self._say(game, render.FAILED_NOTICE)

    async def _step(self, game: Game) -> None:
        await self.answers.flush()  # the database holds every answer the reveal counts
        try:
            await self._reveal(game)
        except discord.HTTPException:
            log.warning("trivia reveal failed", extra={"game_id": game.game_id})
        if game.advance():
            await self.ask(game)
        else:
            await self._finish(game, "finished")

    async def _abort(self, game: Game) -> bool:
        """Close a game after a failure of ours; False if it had already ended.

        The game leaves memory and the scheduler first, so even if the database is the
        trouble it stops taking answers; a row left 'running' is closed at the next start.
        """
        if self.games.get(game.game_id) is not game:
            return False
        try:
            await self._end(game, "stopped")
        except Exception:
            log.exception("could not close trivia game", extra={"game_id": game.game_id})
        return True

    async def _say(self, game: Game, text: str) -> None:
        try:
            await self._channel(game).send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("could not post a trivia notice", extra={"game_id": game.game_id})

    async def abandon(self, game: Game) -> None:
        """Close a game that never got going (its start failed half-way)."""
        if self.games.get(game.game_id) is game:
            await self._end(game, "stopped")

    async def _reveal(self, game: Game) -> None:
        right = game.close()
        channel = self._channel(game)
        if game.message_id is not None and game.mode is Mode.BUTTONS:
            message = channel.get_partial_message(game.message_id)
            try:
                await message.edit(view=answer_view(game, reveal=True), allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.info("could not update question buttons", extra={"game_id": game.game_id})
        await channel.send(render.reveal_text(game, right), allowed_mentions=NO_PINGS)

    async def _finish(self, game: Game, status: str) -> None:
        title = f"Final standings · {game.pack_name}"
        if status == "stopped":
            title = f"Game stopped · {game.pack_name}"
        total = game.index + 1
        text = render.standings_text(title, game.standings(), total)
        await self._end(game, status)
        try:
            await self._channel(game).send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("could not post standings", extra={"game_id": game.game_id})

    async def _end(self, game: Game, status: str) -> None:
        await self.answers.flush()
        self.bot.scheduler.cancel(f"{JOB_PREFIX}{game.game_id}")
        self.games.pop(game.game_id, None)
        if self.by_channel.get(game.channel_id) == game.game_id:
            del self.by_channel[game.channel_id]
        await self.store.end_game(game.game_id, status, int(self._now()))
        log.info("trivia game ended", extra={"game_id": game.game_id, "status": status})

    @staticmethod
    def check_stop(game: Game, user_id: int, is_moderator: bool) -> None:
        """Raise NotAllowed unless the user started the game or moderates."""
        if user_id != game.starter_id and not is_moderator:
            raise NotAllowed("Only the player who started this game or a moderator can stop it.")

    async def stop(self, game: Game) -> bool:
        """Stop a game and post the standings so far; False if it had ended meanwhile."""
        async with game.lock:
            if self.games.get(game.game_id) is not game:
                return False
            if game.open:
                game.close()
            await self._finish(game, "stopped")
            return True

    async def click(
        self,
        game_id: int,
        user_id: int,
        question: int,
        choice: int,
        guild_id: int | None,
        channel_id: int | None,
    ) -> Click:
        """Record a button answer (committed) and return it; InvalidInput when it cannot count.

        The click must come from the game's own guild and channel (the ids in a custom_id are
        not proof of where it was pressed). The picked label and the deadline are read before
        the write: the deadline job may reveal and ask the next question meanwhile.
        """
        game = self.games.get(game_id)
        if game is None:
            raise InvalidInput("This trivia game is over.")
        if (guild_id, channel_id) != (game.guild_id, game.channel_id):
            raise InvalidInput(
                "This button belongs to a trivia game in another channel, so it was not counted."
            )
        answer = game.answer_choice(user_id, question, choice, self._now())
        click = Click(answer, game.current.choices[choice], game.deadline)
        await self.answers.record(game_id, game.guild_id, answer, int(self._now()))
        return click

    async def typed(self, message: discord.Message) -> Answer | None:
        """Judge a chat message in a typed game's channel; record it if it counts."""
        game = self.in_channel(message.channel.id)
        if game is None or game.mode is not Mode.TYPED or message.author.bot:
            return None
        answer = game.answer_text(message.author.id, message.content, self._now())
        if answer is None:
            return None
        # No ✅ under a right guess: it would hand the answer to everyone still thinking.
        # The reveal says who got it and how fast.
        await self.answers.record(game.game_id, game.guild_id, answer, int(self._now()))
        return answer

    async def close_interrupted(self) -> list[GameRow]:
        """At start-up: close the games a restart left running, owing each channel a notice.

        The notice (with the points kept) is written in the transaction that closes the game
        and delivered by the outbox, so no later crash can lose it.
        """
        outbox = self.bot.outbox

        async def owe(tx: Transaction, row: GameRow, standings: list[Standing]) -> None:
            await outbox.owe(
                tx,
                feature=NOTICE_FEATURE,
                key=f"trivia:interrupted:{row.game_id}",
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                content=render.interrupted_text(standings),
            )

        rows = await self.store.close_interrupted(int(self._now()), owe)
        for row in rows:
            log.info("trivia game closed after restart", extra={"game_id": row.game_id})
        if rows:
            outbox.wake()
        return rows

    def shutdown(self) -> None:
        """Forget the games in memory and their jobs (the rows stay 'running' for restart)."""
        self.bot.scheduler.cancel_prefix(JOB_PREFIX)
        self.games.clear()
        self.by_channel.clear()
