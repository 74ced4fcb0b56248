"""Trivia end to end: the real bot against the fake Discord, with the clock moved."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.trivia.library import shipped_packs
from cogs.trivia.match import normalise
from cogs.trivia.render import RESTART_NOTICE
from tests.fakediscord.state import EMBED_LINKS, SEND_MESSAGES, VIEW_CHANNEL
from tests.harness import BotEnv, message_text, no_pings
from tests.trivia.play import PACK, START, button_ids, game_row, import_pack, start_game


def _channel_posts(env: BotEnv, after: int = 0) -> list[Any]:
    path = rf"/channels/{env.channel_id}/messages"
    return [
        r
        for r in env.fake.requests[after:]
        if r.method == "POST" and r.path == path.replace("\\", "")
    ]


async def _next_post(env: BotEnv, after: int) -> Any:
    return await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=after
    )


async def test_buttons_game_two_players(env: BotEnv) -> None:
    await env.advance_to(START)
    intro, q1 = await start_game(env, env.fan_id, pack=PACK, questions=2, seconds=20)
    assert "started **Secretary Kim** trivia: 2 questions, 20 s each, buttons mode" in intro
    assert no_pings(q1.json)
    row = await game_row(env)
    plan = json.loads(row["plan"])
    assert row["status"] == "running"
    assert len(plan) == 2

    # Nothing the client sees names the right answer: ids are positions, labels are choices.
    ids = button_ids(q1.json)
    game_id = row["game_id"]
    assert ids == [f"trivia:answer:{game_id}:0:{i}" for i in range(len(plan[0]["choices"]))]
    assert "correct" not in json.dumps(q1.json)
    labels = [c["label"] for r in q1.json["components"] for c in r["components"]]
    assert [label[3:] for label in labels] == plan[0]["choices"]

    right, wrong = plan[0]["correct"], (plan[0]["correct"] + 1) % len(plan[0]["choices"])
    message_id = int(q1.response["id"])
    env.travel_to(START + timedelta(seconds=2))
    fast = await env.fake.click(env.guild_id, env.channel_id, env.fan_id, message_id, ids[right])
    assert "Locked in" in await fast.reply_text()
    assert fast.is_ephemeral
    env.travel_to(START + timedelta(seconds=5))
    slow = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, ids[wrong])
    assert "Locked in" in await slow.reply_text()
    again = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, ids[right])
    assert "Your first answer counts" in await again.reply_text()
    assert again.is_ephemeral

    answers = await env.running.db.fetch_all(
        "SELECT user_id, correct, points, elapsed_ms FROM trivia_answers ORDER BY user_id"
    )
    by_user = {a["user_id"]: a for a in answers}
    assert by_user[env.fan_id]["correct"] == 1
    assert 140 <= by_user[env.fan_id]["points"] <= 146
    # About 2 s: the question is asked a moment after START (more on a busy machine).
    assert 1500 <= by_user[env.fan_id]["elapsed_ms"] <= 2600
    assert by_user[env.fan2_id]["correct"] == 0
    assert by_user[env.fan2_id]["points"] == 0

    # The deadline job reveals and asks question 2.
    before = len(env.fake.requests)
    await env.advance_to(START + timedelta(seconds=21))
    reveal = await _next_post(env, before)
    reveal_text = message_text(reveal.json)
    assert "The answer" in reveal_text
    assert plan[0]["choices"][right] in reveal_text
    assert f"<@{env.fan_id}>" in reveal_text
    assert f"<@{env.fan2_id}>" not in reveal_text
    assert "Wrong answers: 1" in reveal_text
    assert no_pings(reveal.json)
    edit = await env.fake.wait_for_request(
        "PATCH", rf"/channels/{env.channel_id}/messages/{message_id}", after=before
    )
    styles = [c["style"] for r in edit.json["components"] for c in r["components"]]
    assert styles[right] == 3  # green on reveal
    q2 = await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "Question 2/2" in message_text(r.json),
    )
    assert button_ids(q2.json)[0] == f"trivia:answer:{game_id}:1:0"

    # Late click on question 1 does not count.
    late = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, ids[right])
    assert "closed" in await late.reply_text()

    before = len(env.fake.requests)
    await env.advance_to(START + timedelta(seconds=45))
    await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "Final standings" in message_text(r.json),
    )
    posts = [message_text(p.json) for p in _channel_posts(env, before)]
    final = next(p for p in posts if "Final standings" in p)
    assert f"<@{env.fan_id}>" in final.splitlines()[1]
    assert (await game_row(env))["status"] == "finished"

    # The leaderboard after the game.
    board = await env.reply(env.fan2_id, "trivia", "leaderboard")
    assert f"<@{env.fan_id}>" in board
    assert f"<@{env.fan2_id}>" not in board
    week = await env.reply(env.fan2_id, "trivia", "leaderboard", period="week")
    assert f"<@{env.fan_id}>" in week
    stats = await env.reply(env.fan_id, "trivia", "stats", member=env.fan2_id)
    assert "Games: 1" in stats
    assert "0 right" in stats


async def test_typed_game(env: BotEnv) -> None:
    await env.advance_to(START)
    intro, q1 = await start_game(env, env.fan_id, pack=PACK, questions=1, mode="typed", seconds=30)
    assert "typed mode" in intro
    assert button_ids(q1.json) == []
    plan = json.loads((await game_row(env))["plan"])
    question = shipped_packs()["secretary kim"].questions[plan[0]["q"]]
    accepted = {normalise(a) for a in question.answers}
    wrong = next((c for c in question.choices if normalise(c) not in accepted), "99")
    if question.answers[0].isdigit():
        wrong = "99"
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan2_id, "so hard")  # chatter
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan2_id, wrong)
    env.travel_to(START + timedelta(seconds=3))
    before = len(env.fake.requests)
    await env.fake.post_message(
        env.guild_id, env.channel_id, env.fan_id, f"  the {question.answers[0].upper()}!! "
    )
    for _ in range(100):
        rows = await env.running.db.fetch_all(
            "SELECT user_id, correct, tries FROM trivia_answers ORDER BY user_id"
        )
        if any(r["user_id"] == env.fan_id for r in rows):
            break
        await env.settle(1)
    assert not [r for r in env.fake.requests[before:] if "/reactions/" in r.path]
    assert {(r["user_id"], r["correct"], r["tries"]) for r in rows} == {
        (env.fan_id, 1, 1),
        (env.fan2_id, 0, 1),  # chatter is no try
    }
    before = len(env.fake.requests)
    await env.advance_to(START + timedelta(seconds=31))
    await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "Final standings" in message_text(r.json),
    )
    texts = [message_text(p.json) for p in _channel_posts(env, before)]
    reveal = next(t for t in texts if "The answer" in t)
    assert re.search(rf"Got it: <@{env.fan_id}> [23]\.\d s \(\+14\d\)", reveal), reveal
    assert (await game_row(env))["status"] == "finished"


async def test_second_start_refused_and_stop(env: BotEnv) -> None:
    await env.advance_to(START)
    await start_game(env, env.fan_id, pack=PACK, questions=3)
    itx = await env.slash(env.fan2_id, "trivia", "start")
    assert "already running" in await itx.reply_text()
    assert itx.is_ephemeral
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM trivia_games") == 1

    refused = await env.slash(env.fan2_id, "trivia", "stop")
    assert "Only the player who started" in await refused.reply_text()
    assert refused.is_ephemeral
    before = len(env.fake.requests)
    stop = await env.slash(env.fan_id, "trivia", "stop")
    assert "stopped" in await stop.reply_text()
    await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "Game stopped" in message_text(r.json),
    )
    assert (await game_row(env))["status"] == "stopped"
    assert env.running.scheduler.job_ids("trivia:") == []
    nothing = await env.slash(env.fan_id, "trivia", "stop")
    assert "No trivia game" in await nothing.reply_text()
    # The channel is free again, and a moderator may stop someone else's game.
    await start_game(env, env.fan2_id, pack=PACK, questions=1)
    mod_stop = await env.slash(env.mod_id, "trivia", "stop")
    assert "stopped" in await mod_stop.reply_text()


async def test_restart_mid_game_keeps_points(env: BotEnv) -> None:
    await env.advance_to(START)
    _, q1 = await start_game(env, env.fan_id, pack=PACK, questions=5)
    row = await game_row(env)
    plan = json.loads(row["plan"])
    ids = button_ids(q1.json)
    message_id = int(q1.response["id"])
    click = await env.fake.click(
        env.guild_id, env.channel_id, env.fan_id, message_id, ids[plan[0]["correct"]]
    )
    await click.reply_text()

    before = len(env.fake.requests)
    await env.restart()
    notice = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    assert message_text(notice.json).startswith(RESTART_NOTICE)
    assert no_pings(notice.json)
    assert (await game_row(env))["status"] == "interrupted"
    stats = await env.reply(env.fan_id, "trivia", "stats")
    assert "Points: 1" in stats  # 1xx points kept
    # Old buttons answer politely; the channel is free for a new game.
    old = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, ids[0])
    assert "over" in await old.reply_text()
    await env.advance_to(START + timedelta(minutes=5))
    intro, _ = await start_game(env, env.fan2_id, pack=PACK, questions=1)
    assert "started" in intro


async def test_bad_input_changes_nothing(env: BotEnv) -> None:
    cases = [
        ({"questions": 0}, "`questions` must be from 1 to 50"),
        ({"questions": 1000}, "`questions` must be from 1 to 50"),
        ({"seconds": 1}, "`seconds` must be from 5 to 120"),
        ({"seconds": 500}, "`seconds` must be from 5 to 120"),
        ({"pack": "Nope"}, "There is no pack called **Nope**"),
        ({"pack": "@everyone"}, "There is no pack called"),
    ]
    for options, expected in cases:
        itx = await env.slash(env.fan_id, "trivia", "start", **options)
        text = await itx.reply_text()
        assert expected in text, (options, text)
        assert itx.is_ephemeral
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM trivia_games") == 0
    assert _channel_posts(env) == []


async def test_channel_switch_and_disabled_pack(env: BotEnv) -> None:
    switched = await env.reply(
        env.mod_id, "config", "channel", feature="trivia", channel=env.channel_id, state="off"
    )
    assert "Trivia is now **off**" in switched
    itx = await env.slash(env.fan_id, "trivia", "start")
    assert "switched off in this channel" in await itx.reply_text()
    await env.reply(
        env.mod_id, "config", "channel", feature="trivia", channel=env.channel_id, state="on"
    )
    fan = await env.slash(env.fan_id, "trivia", "disable", pack=PACK)
    assert "moderators" in await fan.reply_text()
    assert "now disabled" in await env.reply(env.mod_id, "trivia", "disable", pack=PACK)
    assert "disabled" in await env.reply(env.fan_id, "trivia", "packs")
    refused = await env.slash(env.fan_id, "trivia", "start", pack=PACK)
    assert "is disabled here" in await refused.reply_text()
    assert "now enabled" in await env.reply(env.mod_id, "trivia", "enable", pack="secretary  KIM")
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM trivia_games") == 0


async def test_typed_without_message_content_uses_buttons(env: BotEnv) -> None:
    await env.restart(message_content_intent=False)
    intro, q1 = await start_game(env, env.fan_id, pack=PACK, mode="typed", questions=1)
    assert "Message Content intent" in intro
    assert "buttons mode" in intro
    assert button_ids(q1.json)


BROKEN = b"""
name: Broken pack
questions:
  - question: Which episode?
    answers: [9]
    choices: [1, 2, 3, 4, 5, 9]
  - question: No answers here
  - question: Hi @everyone
    answers: [x]
    choices: [x, X]
"""

GOOD = b"""
name: Club Quiz
description: Our own questions.
questions:
  - question: Which network?
    answers: [tvN]
    choices: [tvN, MBC]
  - question: Which year?
    answers: [2018]
"""


async def test_pack_upload(env: BotEnv) -> None:
    itx = await import_pack(env, env.mod_id, "broken.yaml", BROKEN)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "nothing was imported" in text
    assert "questions[0].choices: 6 choices, at most 5" in text
    assert "questions[1].answers: missing" in text
    assert "questions[2].question: contains a mention" in text
    assert "questions[2].choices[1]: duplicate" in text
    for data, expected in [
        (b"name: [x", "not valid YAML at line 2, column 1 (in the part starting at line 1)"),
        (b"\x00\xff" * 10, "not UTF-8"),
        (b"name: x\n" + b"#" * (5 * 1024 * 1024), "at most 256 KiB"),
    ]:
        itx = await import_pack(env, env.mod_id, "x.yaml", data)
        assert expected in await itx.reply_text()
    fan = await import_pack(env, env.fan_id, "good.yaml", GOOD)
    assert "moderators" in await fan.reply_text()
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM trivia_packs") == 0

    ok = await import_pack(env, env.mod_id, "good.yaml", GOOD)
    assert "Imported **Club Quiz**: 2 questions" in await ok.reply_text()
    again = await import_pack(env, env.mod_id, "good.yaml", GOOD)
    assert "Updated" in await again.reply_text()
    clash = await import_pack(
        env,
        env.mod_id,
        "k.yaml",
        b"name: Secretary KIM\nquestions:\n - question: Q\n   answers: [a]\n",
    )
    assert "built-in pack" in await clash.reply_text()
    listing = await env.reply(env.fan_id, "trivia", "packs")
    assert "**Club Quiz** (2 questions, uploaded)" in listing
    assert "Our own questions." in listing
    intro, q1 = await start_game(env, env.fan_id, pack="club quiz")
    assert "2 questions" in intro
    assert len(button_ids(q1.json)) in (2, 4)  # own choices, or the year with 3 distractors


async def _planned_episodes(env: BotEnv) -> set[int | None]:
    plan = json.loads((await game_row(env))["plan"])
    questions = shipped_packs()["secretary kim"].questions
    return {questions[item["q"]].episode for item in plan}


async def test_spoiler_guard_follows_the_airtime_schedule(env: BotEnv) -> None:
    # Without the drama tracked there is no guard: every scene may be asked.
    await env.advance_to(datetime(2018, 6, 21, 0, 0, tzinfo=UTC))
    intro, _ = await start_game(env, env.fan_id, pack=PACK, questions=50, mode="typed")
    assert "held back" not in intro
    assert await _planned_episodes(env) == {None, 5, 8, 9, 12}
    assert "stopped" in await env.reply(env.fan_id, "trivia", "stop")

    assert "Added" in await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    # Episodes 1-5 have aired (episode 5: Wed June 20, 21:30 KST).
    intro, _ = await start_game(env, env.fan_id, pack=PACK, questions=50, mode="typed")
    assert "3 questions about episodes that have not aired yet are held back" in intro
    assert await _planned_episodes(env) == {None, 5}
    assert "stopped" in await env.reply(env.fan_id, "trivia", "stop")

    # After episode 9 (Wed July 4, 21:30 KST = 12:30 UTC, over by 14:30) only the episode 12
    # scene waits.
    await env.advance_to(datetime(2018, 7, 4, 14, 31, tzinfo=UTC))
    intro, _ = await start_game(env, env.fan_id, pack=PACK, questions=50, mode="typed")
    assert "1 question about an episode that has not aired yet is held back" in intro
    assert await _planned_episodes(env) == {None, 5, 8, 9}


async def test_cannot_post_calls_the_game_off_and_tells_moderators(env: BotEnv) -> None:
    env.fake.set_bot_permissions(env.guild_id, VIEW_CHANNEL, channel_id=env.channel_id)
    await env.settle()
    itx = await env.slash(env.fan_id, "trivia", "start", pack=PACK)
    await itx.reply_text()
    followup = await itx.followups(1)
    assert "cannot post in this channel" in message_text(followup[0].json)
    assert (await game_row(env))["status"] == "stopped"
    problems = await env.running.guild_settings.problems(env.guild_id, "trivia")
    assert [p.key for p in problems] == [f"post:{env.channel_id}"]
    # Once the permission is back, a game starts and the problem is cleared.
    env.fake.set_bot_permissions(
        env.guild_id, VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS, channel_id=env.channel_id
    )
    await env.settle()
    intro, _ = await start_game(env, env.fan_id, pack=PACK, questions=1)
    assert "started" in intro
    await env.settle()
    assert await env.running.guild_settings.problems(env.guild_id, "trivia") == []


async def test_help_states_the_scoring_formula_and_autocomplete(env: BotEnv) -> None:
    text = await env.reply(env.fan_id, "help", topic="trivia")
    assert "100 points" in text
    assert "10 × (streak − 1), at most 50" in text
    assert "a week starts on Monday 00:00" in text
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("trivia", "start"), focused="pack", value="secr"
    )
    assert [c["value"] for c in choices] == [PACK]


async def test_channel_deleted_mid_game_closes_it(env: BotEnv) -> None:
    await env.advance_to(START)
    await start_game(env, env.fan_id, pack=PACK, questions=3)
    await env.fake.delete_channel(env.channel_id)
    await env.advance_to(START + timedelta(seconds=21))
    for _ in range(50):
        if (await game_row(env))["status"] != "running":
            break
        await env.settle(2)
    assert (await game_row(env))["status"] == "stopped"
    assert env.running.scheduler.job_ids("trivia:") == []
    # Nothing to grant in a channel that is gone: no problem is left for moderators.
    assert await env.running.guild_settings.problems(env.guild_id, "trivia") == []


async def test_config_show_lists_trivia_state(env: BotEnv) -> None:
    await env.advance_to(START)
    await start_game(env, env.fan_id, pack=PACK, questions=1)
    await env.reply(env.mod_id, "trivia", "disable", pack=PACK)
    text = await env.reply(env.mod_id, "config", "show")
    running = f"Trivia: game running in <#{env.channel_id}>"
    assert f"{running}; 1 pack (**Secretary Kim** disabled)." in text
