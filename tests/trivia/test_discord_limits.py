"""Trivia at Discord's limits: the longest pack texts and a crowd of players.

The fake refuses (and the `fake` fixture fails on) anything over Discord's documented limits,
so a reveal, standings or pack list that would be too long for Discord fails here.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from cogs.trivia import packs
from tests.harness import BotEnv, message_text
from tests.trivia.play import START, button_ids, game_row, import_pack, start_game

PLAYERS = 30


def _longest(size: int, tag: str = "") -> str:
    """Markdown characters double when escaped: the worst case for every length budget."""
    return (tag + "*_" * size)[:size]


def longest_pack(name: str, questions: int = 2) -> bytes:
    items: list[dict[str, Any]] = []
    for q in range(questions):
        choices = [_longest(packs.MAX_ANSWER, f"{q}{c}") for c in range(packs.MAX_CHOICES)]
        items.append(
            {
                "question": _longest(packs.MAX_QUESTION, f"Q{q}?"),
                "answers": [choices[0]],
                "choices": choices,
                "explanation": _longest(packs.MAX_EXPLANATION),
            }
        )
    pack = {
        "name": name,
        "description": _longest(packs.MAX_DESCRIPTION),
        "drama": _longest(packs.MAX_NAME, "D"),
        "questions": items,
    }
    return json.dumps(pack).encode()  # JSON is YAML


async def test_a_crowd_answering_the_longest_questions(env: BotEnv) -> None:
    await env.advance_to(START)
    name = "Long " + "x" * (packs.MAX_NAME - 5)
    ok = await import_pack(env, env.mod_id, "long.yaml", longest_pack(name))
    assert "Imported" in await ok.reply_text()
    players = [env.fake.add_member(env.guild_id, name=f"p{i}") for i in range(PLAYERS)]
    await env.fake.sync()
    _, question = await start_game(env, env.fan_id, pack=name, questions=2, seconds=30)
    game_id = (await game_row(env))["game_id"]
    plan = json.loads((await game_row(env))["plan"])
    ids = button_ids(question.json)
    right = ids[plan[0]["correct"]]
    mid = int(question.response["id"])
    for n, player in enumerate(players):
        env.travel_to(START + timedelta(seconds=1 + n / 10))
        click = await env.fake.click(env.guild_id, env.channel_id, player, mid, right)
        assert "Locked in" in await click.reply_text()
    before = len(env.fake.requests)
    await env.advance_to(START + timedelta(seconds=31))
    reveal = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    assert "Got it:" in message_text(reveal.json)
    assert "more" in message_text(reveal.json)
    await env.advance_to(START + timedelta(seconds=70))
    done = await env.running.db.fetch_value(
        "SELECT status FROM trivia_games WHERE game_id = :game_id", {"game_id": game_id}
    )
    assert done != "running"
    board = await env.reply(env.fan_id, "trivia", "leaderboard")
    assert "Trivia leaderboard" in board


async def test_fifty_long_packs_are_listed_and_autocompleted(env: BotEnv) -> None:
    for i in range(50):
        itx = await import_pack(
            env, env.mod_id, f"p{i}.yaml", longest_pack(f"Pack {i:02d} " + "y" * 50, 1)
        )
        assert "Imported" in await itx.reply_text()
    itx = await env.slash(env.fan_id, "trivia", "packs")
    await itx.response()
    hook = rf"/webhooks/{env.fake.app_id}/{re.escape(itx.token)}"
    await env.fake.wait_for_request(
        "POST", hook, predicate=lambda rec: "Pack 49" in message_text(rec.json)
    )
    pages = [message_text(message) for message in itx.messages]
    assert len(pages) > 1
    assert all(len(page) <= 2000 for page in pages)
    listing = "\n".join(pages)
    assert all(f"**Pack {i:02d} " in listing for i in range(50))  # paged, none left out
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("trivia", "start"), focused="pack", value=""
    )
    assert len(choices) == 25


def test_long_choice_labels_end_with_an_ellipsis() -> None:
    from cogs.trivia.views import AnswerButton

    button = AnswerButton(1, 0, 2, label="C. " + "x" * 80)
    assert len(button.item.label or "") == 80
    assert (button.item.label or "").endswith("…")
    assert AnswerButton(1, 0, 2, label="A. 9").item.label == "A. 9"
