"""A pack that cannot be played says why, with its name made inert like any user text."""

from __future__ import annotations

import random

import pytest

from bot.replies import clean
from cogs.trivia.game import Mode, plan_game
from cogs.trivia.packs import Pack, Question
from cogs.trivia.render import nothing_to_ask

NAMES = ["**Bold** pack", "__under__ ||spoil||", "@everyone pack", "> quote", "# heading"]


def _pack(name: str, *questions: Question) -> Pack:
    return Pack(name, "", questions)


@pytest.mark.parametrize("name", NAMES)
def test_an_empty_pack_says_it_has_no_questions(name: str) -> None:
    pack = _pack(name)
    planned, hidden = plan_game(pack, Mode.BUTTONS, 5, None, random.Random(0))
    assert planned == []
    text = nothing_to_ask(pack.name, len(pack.questions), hidden)
    assert text == f"The pack **{clean(name)}** has no questions."


@pytest.mark.parametrize("name", NAMES)
def test_a_pack_of_unaired_scenes_says_they_have_not_aired(name: str) -> None:
    pack = _pack(name, Question(0, "Q?", ("9",), episode=3))
    planned, hidden = plan_game(pack, Mode.TYPED, 5, 2, random.Random(0))
    assert (planned, hidden) == ([], 1)
    text = nothing_to_ask(pack.name, len(pack.questions), hidden)
    assert clean(name) in text
    assert "not aired" in text
    assert "@everyone" not in text


def test_a_pack_with_nothing_for_the_mode_says_so() -> None:
    # One question, one answer, no choices, no rival answers: no buttons can be made.
    pack = _pack("Tiny", Question(0, "Q?", ("yes",)))
    planned, hidden = plan_game(pack, Mode.BUTTONS, 5, None, random.Random(0))
    assert (planned, hidden) == ([], 0)
    assert nothing_to_ask(pack.name, 1, hidden).endswith("can be asked in this mode.")
