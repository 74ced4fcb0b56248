"""Typed mode: Discord markup (mentions, custom emoji, timestamps) is no guess and no number."""

from __future__ import annotations

import random

import pytest

from cogs.trivia.game import Game, Mode, plan_question
from cogs.trivia.match import Matcher, normalise
from cogs.trivia.packs import Pack, Question

EPISODE = Matcher.build(("9", "nine"), ("5", "8", "9", "12"))
ACTOR = Matcher.build(("Park Seo Joon",), ("Park Seo Joon", "Hyun Bin"))
USER = "<@1180712345678901248>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (USER, ""),
        ("<@!1180712345678901248>", ""),
        ("<@&1180712345678901249> @here", "here"),
        ("<#1180712345678901250>", ""),
        ("<:kek:1180712345678901251>", ""),
        ("<a:dance:1180712345678901252> 9", "9"),
        ("<t:1532941210:R>", ""),
        ("</trivia start:1180712345678901253>", ""),
        (f"{USER} episode 9", "9"),
        (f"{USER} park seo joon!", "park seo joon"),
        ("<not a mention>", "not a mention"),
        ("<@everyone>", "everyone"),
    ],
)
def test_discord_markup_is_dropped(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("matcher", "text"),
    [
        (EPISODE, USER),
        (EPISODE, "<#1180712345678901250>"),
        (EPISODE, "<:kek:1180712345678901251>"),
        (EPISODE, "<t:1532941210:R>"),
        (ACTOR, f"{USER} <@&1180712345678901249>"),
    ],
)
def test_markup_alone_is_chatter(matcher: Matcher, text: str) -> None:
    guess = normalise(text)
    assert not matcher.matches(guess)
    assert not matcher.is_attempt(text, guess)


def test_a_mention_uses_none_of_the_three_number_tries_and_a_guess_beside_one_counts() -> None:
    pack = Pack("P", "", (Question(0, "Which episode?", ("9",), ("5", "8", "9", "12")),))
    planned = plan_question(pack.questions[0], pack, Mode.TYPED, random.Random(0))
    assert planned is not None
    game = Game(1, 10, 20, 30, Mode.TYPED, 20, "P", [planned])
    game.ask(1000.0)
    for chatter in (USER, f"{USER} <#1180712345678901250>", "<t:1532941210:R>"):
        assert game.answer_text(1, chatter, 1001.0) is None
    assert 1 not in game.answers
    right = game.answer_text(1, f"{USER} 9", 1002.0)
    assert right is not None
    assert (right.correct, right.tries) == (True, 1)
