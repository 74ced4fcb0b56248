"""Pack names in the pure modules' messages are escaped exactly like `bot.replies.clean`."""

from __future__ import annotations

import random

import pytest

from bot.errors import NotFound
from bot.replies import clean as discord_clean
from cogs.trivia.escape import clean
from cogs.trivia.game import Mode, plan_game
from cogs.trivia.packs import Pack, Question

NASTY = [
    "",
    "plain name",
    "**bold** _it_ __u__ ~~s~~ ||spoiler|| `code`",
    "> quote",
    ">>> block",
    "# heading",
    "- bullet",
    "   - indented bullet",
    "[link](https://example.org)",
    "see https://example.org/a_b_c*d and <https://x.org/_y_>",
    "@everyone @here <@123456789012345678> @!123456789012345678 @&123456789012345678",
    "back\\slash | pipe",
    "line one\n# line two\n> three",
    "김비서 *별* _표_",
]


@pytest.mark.parametrize("text", NASTY)
def test_pure_clean_matches_bot_replies_clean(text: str) -> None:
    assert clean(text) == discord_clean(text)
    assert clean(text, limit=12) == discord_clean(text, limit=12)


def _pack(name: str, *questions: Question) -> Pack:
    return Pack(name, "", questions)


@pytest.mark.parametrize("name", ["**Bold** pack", "__under__ ||spoil||", "@everyone pack"])
def test_empty_pack_message_escapes_the_name(name: str) -> None:
    with pytest.raises(NotFound) as caught:
        plan_game(_pack(name), Mode.BUTTONS, 5, None, random.Random(0))
    assert discord_clean(name) in str(caught.value)


@pytest.mark.parametrize("name", ["**Bold** pack", "__under__ ||spoil||", "@everyone pack"])
def test_unaskable_pack_message_escapes_the_name(name: str) -> None:
    pack = _pack(name, Question(0, "Q?", ("9",), episode=3))
    with pytest.raises(NotFound) as caught:
        plan_game(pack, Mode.TYPED, 5, 2, random.Random(0))
    assert discord_clean(name) in str(caught.value)
    assert "not aired" in str(caught.value)
