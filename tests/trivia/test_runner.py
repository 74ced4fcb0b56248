"""Runner races on a real database: a click whose write is overtaken by the deadline job."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.clock import FixedClock
from bot.db import Database
from bot.errors import InvalidInput
from cogs.trivia.answers import AnswerWriter
from cogs.trivia.game import Answer, Game, Mode, plan_question
from cogs.trivia.packs import Pack, Question
from cogs.trivia.runner import Runner
from cogs.trivia.store import NewGame, TriviaStore

START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
GUILD, CHANNEL, USER = 10, 20, 30


@pytest.fixture
def store(db: Database) -> TriviaStore:
    return TriviaStore(db)


async def _running(store: TriviaStore, clock: FixedClock) -> tuple[Runner, Game]:
    pack = Pack(
        "P",
        "",
        (
            Question(0, "Which episode?", ("9",), ("5", "8", "9", "12", "16")),
            Question(1, "Which network?", ("tvN",), ("tvN", "MBC")),
        ),
    )
    planned = [plan_question(q, pack, Mode.BUTTONS, random.Random(0)) for q in pack.questions]
    new = NewGame(GUILD, CHANNEL, USER, "p", "P", "buttons", 20, 2, "[]", 0)
    game_id = await store.create_game(new)
    game = Game(game_id, GUILD, CHANNEL, USER, Mode.BUTTONS, 20, "P", [p for p in planned if p])
    runner = Runner(SimpleNamespace(clock=clock), store)  # type: ignore[arg-type]
    runner.answers.start()
    runner.games[game_id] = game
    game.ask(clock.now().timestamp())
    return runner, game


async def test_click_confirmation_names_the_clicked_choice_when_the_reveal_lands_meanwhile(
    store: TriviaStore,
) -> None:
    clock = FixedClock(START)
    runner, game = await _running(store, clock)
    first = game.current
    clock.set(START + timedelta(seconds=20))  # the deadline instant: the click still counts
    click = asyncio.create_task(runner.click(game.game_id, USER, 0, 4, GUILD, CHANNEL))
    await asyncio.sleep(0)  # judged; its row is being written
    # Meanwhile the deadline job reveals and asks question 2 (two choices only).
    game.close()
    assert game.advance()
    game.ask(clock.now().timestamp())
    result = await click
    assert result.label == first.choices[4]
    assert result.deadline == (START + timedelta(seconds=20)).timestamp()
    rows = await store.db.fetch_all("SELECT question_index, choice_index FROM trivia_answers")
    assert [tuple(r) for r in rows] == [(0, 4)]


@pytest.mark.parametrize(
    ("guild", "channel"),
    [(GUILD + 1, CHANNEL), (GUILD, CHANNEL + 1), (GUILD + 1, CHANNEL + 1), (None, CHANNEL)],
)
async def test_click_outside_the_games_guild_or_channel_is_refused(
    store: TriviaStore, guild: int | None, channel: int | None
) -> None:
    runner, game = await _running(store, FixedClock(START))
    with pytest.raises(InvalidInput, match="another channel"):
        await runner.click(game.game_id, USER, 0, 1, guild, channel)
    assert game.answers == {}
    assert await store.db.fetch_all("SELECT * FROM trivia_answers") == []
    counted = await runner.click(game.game_id, USER, 0, 1, GUILD, CHANNEL)
    assert counted.answer.user_id == USER


async def test_an_answer_given_while_trivia_stops_is_committed_not_left_waiting(
    store: TriviaStore,
) -> None:
    # SIGTERM: the feature stops its writer while a click handler is still recording.
    writer = AnswerWriter(store)
    writer.start()
    await writer.stop()
    game_id = await store.create_game(
        NewGame(GUILD, CHANNEL, USER, "p", "P", "buttons", 20, 1, "[]", 0)
    )
    answer = Answer(USER, 0, 1, True, 1, 1.5, 140, 1)
    await asyncio.wait_for(writer.record(game_id, GUILD, answer, 1), timeout=10)  # no hang
    assert [s.points for s in await store.game_standings(game_id)] == [140]
