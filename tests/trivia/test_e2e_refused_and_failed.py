"""End to end: foreign clicks refused, a failed first save, typed chatter that is no guess."""

from __future__ import annotations

import json
from datetime import timedelta

from cogs.trivia.library import shipped_packs
from cogs.trivia.match import normalise
from tests.harness import BotEnv, message_text
from tests.trivia.play import PACK, START, runner, start_game


async def test_click_from_another_channel_is_refused_and_not_counted(env: BotEnv) -> None:
    await env.advance_to(START)
    _, question = await start_game(env, env.fan_id, pack=PACK, questions=1)
    ids = [c["custom_id"] for r in question.json["components"] for c in r["components"]]
    message_id = int(question.response["id"])
    elsewhere = env.fake.add_channel(env.guild_id, "elsewhere")
    await env.settle()
    foreign = await env.fake.click(env.guild_id, elsewhere, env.fan2_id, message_id, ids[0])
    text = await foreign.reply_text()
    assert foreign.is_ephemeral
    assert "another channel" in text, text
    assert await env.running.db.fetch_all("SELECT * FROM trivia_answers") == []
    # The same click in the game's own channel still counts.
    own = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, ids[0])
    assert "Locked in" in await own.reply_text()
    rows = await env.running.db.fetch_all("SELECT user_id FROM trivia_answers")
    assert [r["user_id"] for r in rows] == [env.fan2_id]


FAIL_INDEX_SAVE = (
    "CREATE TRIGGER fail_index BEFORE UPDATE OF current_index ON trivia_games "
    "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
)


async def test_first_question_not_saved_closes_the_game_with_a_message(env: BotEnv) -> None:
    await env.advance_to(START)
    await env.running.db.execute(FAIL_INDEX_SAVE)
    before = len(env.fake.requests)
    itx = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=3)
    assert "started" in await itx.reply_text()
    followup = (await itx.followups(1))[0]
    text = message_text(followup.json)
    assert "went wrong" in text, text
    assert "called off" in text, text
    row = await env.running.db.fetch_one("SELECT status FROM trivia_games")
    assert row is not None
    assert row["status"] == "stopped"
    assert runner(env).in_channel(env.channel_id) is None
    assert env.running.scheduler.job_ids("trivia:") == []
    # The question was not posted: a game no one can finish is not put in front of players.
    posts = [
        r
        for r in env.fake.requests[before:]
        if r.method == "POST" and r.path == f"/channels/{env.channel_id}/messages"
    ]
    assert not [p for p in posts if (p.json or {}).get("embeds")]
    # Once the database works again, the channel is free for a new game.
    await env.running.db.execute("DROP TRIGGER fail_index")
    intro, _ = await start_game(env, env.fan_id, pack=PACK, questions=1)
    assert "started" in intro


async def test_next_question_not_saved_stops_the_game_with_a_message(env: BotEnv) -> None:
    await env.advance_to(START)
    await start_game(env, env.fan_id, pack=PACK, questions=2)
    await env.running.db.execute(FAIL_INDEX_SAVE)
    before = len(env.fake.requests)
    await env.advance_to(START + timedelta(seconds=21))
    notice = await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "went wrong" in message_text(r.json),
    )
    assert "stopped" in message_text(notice.json)
    row = await env.running.db.fetch_one("SELECT status FROM trivia_games")
    assert row is not None
    assert row["status"] == "stopped"
    assert env.running.scheduler.job_ids("trivia:") == []
    posts = [
        r
        for r in env.fake.requests[before:]
        if r.method == "POST" and r.path == f"/channels/{env.channel_id}/messages"
    ]
    assert not [p for p in posts if (p.json or {}).get("embeds")]  # question 2 never shown


async def test_typed_chatter_gives_bystanders_no_game_and_no_wrong_answers(env: BotEnv) -> None:
    await env.advance_to(START)
    await start_game(env, env.fan_id, pack=PACK, questions=1, mode="typed")
    row = await env.running.db.fetch_one("SELECT plan FROM trivia_games")
    assert row is not None
    question = shipped_packs()["secretary kim"].questions[json.loads(row["plan"])[0]["q"]]
    accepted = {normalise(a) for a in question.answers}
    wrong = next((c for c in question.choices if normalise(c) not in accepted), "99")
    if question.answers[0].isdigit():
        wrong = "99"
    for chatter in (
        "good morning everyone",
        "omg i know this one",
        "I rewatched the whole drama last weekend and still cannot remember this",
    ):
        await env.fake.post_message(env.guild_id, env.channel_id, env.fan2_id, chatter)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, wrong)
    for _ in range(100):
        rows = await env.running.db.fetch_all("SELECT user_id, correct, tries FROM trivia_answers")
        if rows:
            break
        await env.settle(1)
    await env.settle()
    rows = await env.running.db.fetch_all("SELECT user_id, correct, tries FROM trivia_answers")
    assert [tuple(r) for r in rows] == [(env.fan_id, 0, 1)]
    before = len(env.fake.requests)
    await env.advance_to(START + timedelta(seconds=21))
    reveal = await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "The answer" in message_text(r.json),
    )
    assert "Wrong answers: 1" in message_text(reveal.json)
    stats = await env.reply(env.fan_id, "trivia", "stats", member=env.fan2_id)
    assert "has not answered any trivia question" in stats, stats
    mine = await env.reply(env.fan_id, "trivia", "stats")
    assert "Games: 1" in mine
    assert "Answers: 1 (0 right, 0% accuracy)" in mine
