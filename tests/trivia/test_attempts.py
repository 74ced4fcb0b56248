"""Typed mode: only messages that plausibly are guesses count as tries; chatter never does."""

from __future__ import annotations

import random

import pytest

from cogs.trivia.game import Game, Mode, plan_question
from cogs.trivia.match import Matcher, normalise
from cogs.trivia.packs import Pack, Question
from cogs.trivia.render import reveal_text

ACTOR = Matcher.build(
    ("Park Seo Joon", "Park Seo-joon"), ("Park Seo Joon", "Park Bo Gum", "Lee Min Ho", "Hyun Bin")
)
NETWORK = Matcher.build(("tvN",), ("tvN", "KBS2", "MBC", "SBS", "JTBC"))
SOURCE = Matcher.build(("webtoon", "web comic"))
TIME = Matcher.build(("21:30", "9:30 pm"), ("21:30", "20:00", "22:00"))
EPISODE = Matcher.build(("9", "nine"), ("5", "8", "9", "12"))


@pytest.mark.parametrize(
    ("matcher", "text", "counts"),
    [
        # Plausible wrong guesses: near the answer, one of the choices, or sharing a name.
        (ACTOR, "Park Bo Gum", True),
        (ACTOR, "park bo-gum!", True),
        (ACTOR, "Hyun Bin", True),
        (ACTOR, "Park Seo Hyun", True),
        (ACTOR, "Park Hyung Sik", True),
        (ACTOR, "i think its park hyung sik", True),
        (ACTOR, "Park Seo Joon's brother", True),
        (NETWORK, "MBC", True),
        (NETWORK, "jtbc?", True),
        (SOURCE, "web novel", True),
        (SOURCE, "webtoons maybe", True),
        (TIME, "22:00", True),
        (TIME, "9:00 pm", True),
        (EPISODE, "8", True),
        (EPISODE, "episode 12", True),
        (EPISODE, "twelve", True),
        # Chatter: short but unlike any answer or choice, too long, too many words, no number.
        (ACTOR, "so hard", False),
        (ACTOR, "lol", False),
        (ACTOR, "omg this is hard", False),
        (ACTOR, "good morning everyone", False),
        (ACTOR, "wait what", False),
        (ACTOR, "I loved the scene where he finds her in the wardrobe, park", False),
        (ACTOR, "park " + "x" * 60, False),
        (ACTOR, "", False),
        (ACTOR, "?!", False),
        (NETWORK, "idk", False),
        (NETWORK, "haha", False),
        (SOURCE, "no idea", False),
        (EPISODE, "hmm which one", False),
        (EPISODE, "i think it was 9 or so, right?", False),
        (EPISODE, "so hard", False),
    ],
)
def test_attempt_rule(matcher: Matcher, text: str, counts: bool) -> None:
    assert not matcher.matches(normalise(text))  # all wrong: the rule only judges misses
    assert matcher.is_attempt(text, normalise(text)) is counts


def _typed_game() -> Game:
    pack = Pack(
        "P",
        "",
        (
            Question(
                0, "Who plays Lee Young Joon?", ("Park Seo Joon",), ("Park Seo Joon", "Hyun Bin")
            ),
            Question(1, "Which episode?", ("9",), ("5", "8", "9", "12")),
        ),
    )
    planned = [plan_question(q, pack, Mode.TYPED, random.Random(0)) for q in pack.questions]
    game = Game(1, 10, 20, 30, Mode.TYPED, 20, "P", [p for p in planned if p is not None])
    game.ask(1000.0)
    return game


def test_chatter_is_not_recorded_and_does_not_use_a_try() -> None:
    game = _typed_game()
    assert game.answer_text(1, "so hard", 1001.0) is None  # a bystander who only chats
    assert game.answer_text(1, "good morning everyone", 1001.5) is None
    assert 1 not in game.answers
    wrong = game.answer_text(2, "Park Bo Gum", 1002.0)
    assert wrong is not None
    assert (wrong.correct, wrong.tries) == (False, 1)
    assert game.answer_text(2, "lol no", 1003.0) is None
    assert game.answers[2].tries == 1  # chatter between guesses is no try
    right = game.answer_text(2, "park seo-joon", 1004.0)
    assert right is not None
    assert (right.correct, right.tries) == (True, 2)
    text = reveal_text(game, game.close())
    assert "Wrong answers" not in text  # the one who guessed wrong got it in the end
    assert 1 not in game.scores  # the bystander has no game at all
    assert game.scores[2].answered == 1


def test_reveal_counts_only_attempts_as_wrong_answers() -> None:
    game = _typed_game()
    for user in range(1, 6):
        assert game.answer_text(user, "what is this", 1001.0) is None
    assert game.answer_text(7, "Hyun Bin", 1002.0) is not None
    assert game.answer_text(8, "Park Bo Young", 1002.0) is not None
    text = reveal_text(game, game.close())
    assert "Wrong answers: 2" in text
    assert sorted(game.scores) == [7, 8]


def test_number_questions_count_only_numbers_and_three_of_them() -> None:
    game = _typed_game()
    game.close()
    game.advance()
    game.ask(2000.0)
    assert game.answer_text(1, "so hard", 2001.0) is None
    assert game.answer_text(1, "i think it was 9 or so, right?", 2001.0) is None
    for guess in ("5", "episode 8", "twelve"):
        assert game.answer_text(1, guess, 2002.0) is not None
    assert game.answers[1].tries == 3
    assert game.answer_text(1, "9", 2003.0) is None  # out of tries
