"""Running games: post questions, take answers, reveal on the scheduler's deadline, finish.

One `Game` object per running game (in `Runner.games`, keyed by id); the database holds the
game row and every answer, committed (in groups, by `AnswerWriter`) before its player is told.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import discord

from bot.db import Transaction
from bot.errors import InvalidInput, NotFound
from bot.problems import FeatureProblems
from bot.replies import NO_PINGS
from bot.shards import GuildScope
from bot.timeutil import from_unix, to_unix
from cogs.trivia import keys, render
from cogs.trivia.answers import AnswerWriter
from cogs.trivia.api import Click
from cogs.trivia.game import Answer, Game, Mode, Started, plan_game
from cogs.trivia.packs import Pack
from cogs.trivia.score_store import Standing
from cogs.trivia.store import GameRow, NewGame, TriviaStore
from cogs.trivia.views import answer_view

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)


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
    downgraded: bool = False  # typed was asked for, but there is no message content


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

    def _unix(self) -> int:
        return to_unix(self.bot.clock.now())

    @property
    def problems(self) -> FeatureProblems:
        """Trivia's problems for moderators."""
        return self.bot.guild_settings.problem_table.of(keys.FEATURE)

    def in_channel(self, channel_id: int) -> Game | None:
        """The game running in a channel, if any."""
        game_id = self.by_channel.get(channel_id)
        return None if game_id is None else self.games.get(game_id)

    async def start(self, request: StartRequest) -> Started:
        """Plan, store and register a game (not yet asked); NotFound if nothing can be asked."""
        pack = request.pack
        planned, hidden = plan_game(pack, request.mode, request.questions, request.aired, self.rng)
        if not planned:
            raise NotFound(render.nothing_to_ask(pack.name, len(pack.questions), hidden))
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
                self._unix(),
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
        return Started(
            game_id,
            pack.name,
            len(planned),
            request.seconds,
            request.mode,
            hidden,
            request.questions,
            request.downgraded,
        )

    def _channel(self, game: Game) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(game.channel_id, guild_id=game.guild_id)

    async def begin(self, game_id: int) -> Begun:
        """Ask the first question, under the game's lock so a racing stop waits for it.

        Any failure closes the game: a game with no question and no timer would hold the
        channel until the next restart.
        """
        game = self.games.get(game_id)
        if game is None:
            return Begun.ASKED  # stopped before it began: nothing to post
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
            await self.problems.clear(game.guild_id, keys.cannot_post(game.channel_id))
        game.message_id = message.id
        self.bot.scheduler.schedule(
            keys.deadline_job(game.game_id),
            from_unix(game.deadline),
            self.on_deadline,
            game.game_id,
            game.index,
        )
        return True

    async def _cannot_post(self, game: Game) -> None:
        await self.problems.report(
            game.guild_id,
            keys.cannot_post(game.channel_id),
            f"Trivia cannot post in <#{game.channel_id}>: grant me View Channel, Send Messages "
            "and Embed Links there.",
        )
        await self._end(game, "stopped")

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """A channel was deleted: end its game and forget its 'cannot post' problem.

        The core forgets problems that name the channel; the explicit clear also covers one
        reported before problems named their channel.
        """
        game = self.in_channel(channel_id)
        if game is not None:
            log.info("trivia channel deleted", extra={"game_id": game.game_id})
            await self._end(game, "stopped")
        await self.problems.clear(guild_id, keys.cannot_post(channel_id))

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

    async def abandon(self, game_id: int) -> None:
        """Close a game that never got going (its start failed half-way)."""
        game = self.games.get(game_id)
        if game is not None:
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
        self.bot.scheduler.cancel(keys.deadline_job(game.game_id))
        self.games.pop(game.game_id, None)
        if self.by_channel.get(game.channel_id) == game.game_id:
            del self.by_channel[game.channel_id]
        await self.store.end_game(game.game_id, status, self._unix())
        log.info("trivia game ended", extra={"game_id": game.game_id, "status": status})

    async def stop(self, game_id: int) -> bool:
        """Stop a game and post the standings so far; False if it had ended meanwhile."""
        game = self.games.get(game_id)
        if game is None:
            return False
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
        await self.answers.record(game_id, game.guild_id, answer, self._unix())
        return click

    async def typed(self, channel_id: int, user_id: int, content: str) -> Answer | None:
        """Judge a chat message in a typed game's channel; record it if it counts."""
        game = self.in_channel(channel_id)
        if game is None or game.mode is not Mode.TYPED:
            return None
        answer = game.answer_text(user_id, content, self._now())
        if answer is None:
            return None
        # No ✅ under a right guess: it would hand the answer to everyone still thinking.
        # The reveal says who got it and how fast.
        await self.answers.record(game.game_id, game.guild_id, answer, self._unix())
        return answer

    async def close_interrupted(self, scope: GuildScope) -> list[GameRow]:
        """At start-up: close the games a restart left running in `scope`'s guilds.

        Each channel is owed a notice (with the points kept), written in the transaction
        that closes the game and delivered by the outbox, so no later crash can lose it.
        Another process's guilds are left alone: their games may well be running.
        """
        outbox = self.bot.outbox

        async def owe(tx: Transaction, row: GameRow, standings: list[Standing]) -> None:
            await outbox.owe(
                tx,
                feature=keys.FEATURE,
                key=keys.interrupted_notice(row.game_id),
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                content=render.interrupted_text(standings),
            )

        rows = await self.store.close_interrupted(self._unix(), owe, scope)
        for row in rows:
            log.info("trivia game closed after restart", extra={"game_id": row.game_id})
        if rows:
            outbox.wake()
        return rows

    def shutdown(self) -> None:
        """Forget the games in memory and their jobs (the rows stay 'running' for restart)."""
        self.bot.scheduler.cancel_prefix(keys.DEADLINE_JOBS)
        self.games.clear()
        self.by_channel.clear()
