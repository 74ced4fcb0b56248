"""End to end: races at the deadline, stop against the end, and nothing a fan sends can harm."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from cogs.trivia.library import shipped_packs
from tests.harness import BotEnv, message_text, no_pings
from tests.trivia.play import PACK, START, runner


async def _rows(env: BotEnv, sql: str) -> list[Any]:
    return list(await env.running.db.fetch_all(sql))


async def _wait_rows(env: BotEnv, sql: str, count: int) -> list[Any]:
    for _ in range(100):
        rows = await _rows(env, sql)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} rows for {sql}")


async def test_typed_right_answer_is_not_marked_publicly_before_the_reveal(env: BotEnv) -> None:
    await env.advance_to(START)
    itx = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=1, mode="typed")
    assert "typed mode" in await itx.reply_text()
    row = (await _rows(env, "SELECT plan FROM trivia_games"))[0]
    question = shipped_packs()["secretary kim"].questions[json.loads(row["plan"])[0]["q"]]
    before = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, question.answers[0])
    answers = await _wait_rows(env, "SELECT correct FROM trivia_answers", 1)
    assert answers[0]["correct"] == 1
    await env.settle()
    # A ✅ under the message would hand the answer to everyone still thinking.
    assert not [r for r in env.fake.requests[before:] if "/reactions/" in r.path]
    await env.advance_to(START + timedelta(seconds=21))
    reveal = await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=before,
        predicate=lambda r: "The answer" in message_text(r.json),
    )
    assert f"<@{env.fan_id}>" in message_text(reveal.json)


def _standings(env: BotEnv, after: int) -> list[str]:
    path = f"/channels/{env.channel_id}/messages"
    texts = [
        message_text(r.json)
        for r in env.fake.requests[after:]
        if r.method == "POST" and r.path == path
    ]
    return [t for t in texts if "Final standings" in t or "Game stopped" in t]


async def test_stop_beaten_by_the_last_deadline_says_the_game_had_ended(env: BotEnv) -> None:
    await env.advance_to(START)
    itx = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=1)
    await itx.reply_text()
    await env.settle()
    game: Any = runner(env).in_channel(env.channel_id)
    before = len(env.fake.requests)
    async with game.lock:  # the deadline job queues first, then /trivia stop
        await env.advance_to(START + timedelta(seconds=21))
        stop = await env.slash(env.fan_id, "trivia", "stop")
        await stop.response()
        await env.settle()
    text = await stop.reply_text()
    for _ in range(50):
        if _standings(env, before):
            break
        await env.settle(1)
    await env.settle()
    assert len(_standings(env, before)) == 1
    assert "Final standings" in _standings(env, before)[0]
    row = (await _rows(env, "SELECT status FROM trivia_games"))[0]
    assert row["status"] == "finished"
    assert "already ended" in text, text


async def test_stop_and_deadline_together_post_one_standings(env: BotEnv) -> None:
    await env.advance_to(START)
    itx = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=1)
    await itx.reply_text()
    before = len(env.fake.requests)
    env.travel_to(START + timedelta(seconds=20))
    stop, _ = await asyncio.gather(
        env.slash(env.fan_id, "trivia", "stop"), env.advance_to(START + timedelta(seconds=20))
    )
    text = await stop.reply_text()
    for _ in range(50):
        if _standings(env, before):
            break
        await env.settle(1)
    await env.settle(10)
    posts = _standings(env, before)
    assert len(posts) == 1, posts
    status = (await _rows(env, "SELECT status FROM trivia_games"))[0]["status"]
    assert ("Game stopped" in posts[0]) == (status == "stopped")
    assert ("already ended" in text) == (status == "finished"), (text, status)
    assert env.running.scheduler.job_ids("trivia:") == []


TABLES = ("trivia_packs", "trivia_disabled_packs", "trivia_games", "trivia_answers")


async def _snapshot(env: BotEnv) -> dict[str, list[tuple[Any, ...]]]:
    return {t: [tuple(r) for r in await _rows(env, f"SELECT * FROM {t}")] for t in TABLES}  # noqa: S608


def _alias_bomb() -> bytes:
    many = ", ".join(["*s"] * 10)
    return (
        f's: &s "{"x" * 200_000}"\n'
        f"q: &q {{question: *s, answers: [{many}], explanation: *s}}\n"
        f"name: x\nquestions: [{', '.join(['*q'] * 1900)}]\n"
    ).encode()


async def test_every_broken_upload_is_refused_privately_and_changes_nothing(env: BotEnv) -> None:
    ok = await env.slash(
        env.mod_id,
        "trivia",
        "import",
        file=("ok.yaml", b"name: Ours\nquestions:\n - {question: Q?, answers: [a, b]}\n", "x"),
    )
    assert "Imported" in await ok.reply_text()
    before = await _snapshot(env)
    cases = [
        (b"name: Empty\nquestions: []\n", "questions: empty"),
        (b"name: Ours\nquestions:\n - question: No answers?\n", "answers: missing"),
        (b"name: Ours\nquestions:\n - {question: Q?, answers: [a], choices: [a, A]}\n", "dup"),
        (
            b"name: O\nquestions:\n - {question: Q, answers: [a], choices: [a, b, c, d, e, f]}\n",
            "6 choices, at most 5",
        ),
        (b"name: '@everyone'\nquestions:\n - {question: Q?, answers: [a]}\n", "mention"),
        (b"name: Ours\nquestions:\n - {question: '[x](https://e.vil)', answers: [a]}\n", "link"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        (b"just some text", "expected a mapping"),
        (b"x" * (5 * 1024 * 1024), "at most 256 KiB"),
        (_alias_bomb(), "aliases"),
    ]
    for data, expected in cases:
        itx = await env.slash(env.mod_id, "trivia", "import", file=("p.yaml", data, "x"))
        text = await itx.reply_text(timeout=3)
        assert expected in text, (expected, text)
        assert itx.is_ephemeral
        assert "nothing was imported" in text.casefold() or "Nothing was imported" in text
    assert await _snapshot(env) == before


def _message_payloads(env: BotEnv) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for r in env.fake.requests:
        body = r.json if isinstance(r.json, dict) else None
        if r.method not in ("POST", "PATCH") or body is None:
            continue
        if "/callback" in r.path:
            body = body.get("data") or {}
        if "content" in body or "embeds" in body or "components" in body:
            out.append((f"{r.method} {r.path}", body))
    return out


async def test_nothing_the_game_sends_can_ping(env: BotEnv) -> None:
    await env.advance_to(START)
    start = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=2)
    await start.reply_text()
    question = await env.fake.wait_for_request("POST", rf"/channels/{env.channel_id}/messages")
    row = (await _rows(env, "SELECT plan FROM trivia_games"))[0]
    plan = json.loads(row["plan"])
    ids = [c["custom_id"] for r in question.json["components"] for c in r["components"]]
    message_id = int(question.response["id"])
    for user in (env.fan_id, env.fan2_id, env.fan_id):
        click = await env.fake.click(
            env.guild_id, env.channel_id, user, message_id, ids[plan[0]["correct"]]
        )
        await click.reply_text()
    await env.advance_to(START + timedelta(seconds=21))  # reveal (edit + post), question 2
    await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        predicate=lambda r: "Question 2/2" in message_text(r.json),
    )
    stop = await env.slash(env.fan_id, "trivia", "stop")
    await stop.reply_text()
    for command, options in (("leaderboard", {}), ("stats", {"member": env.fan2_id})):
        await env.reply(env.fan2_id, "trivia", command, **options)
    await env.reply(env.fan2_id, "trivia", "packs")
    await env.reply(env.fan2_id, "trivia", "start", questions=0)  # an error reply
    before = len(env.fake.requests)
    await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=1)
    await env.fake.wait_for_request("POST", rf"/channels/{env.channel_id}/messages", after=before)
    await env.restart()  # the interrupted-game notice
    await env.fake.wait_for_request("POST", rf"/channels/{env.channel_id}/messages", after=before)
    sent = _message_payloads(env)
    assert len(sent) >= 15
    loud = [(where, body.get("allowed_mentions")) for where, body in sent if not no_pings(body)]
    assert loud == []


async def test_restart_notice_lists_the_points_kept(env: BotEnv) -> None:
    await env.advance_to(START)
    start = await env.slash(env.fan_id, "trivia", "start", pack=PACK, questions=3)
    await start.reply_text()
    question = await env.fake.wait_for_request("POST", rf"/channels/{env.channel_id}/messages")
    plan = json.loads((await _rows(env, "SELECT plan FROM trivia_games"))[0]["plan"])
    ids = [c["custom_id"] for r in question.json["components"] for c in r["components"]]
    click = await env.fake.click(
        env.guild_id,
        env.channel_id,
        env.fan2_id,
        int(question.response["id"]),
        ids[plan[0]["correct"]],
    )
    await click.reply_text()
    points = (await _rows(env, "SELECT points FROM trivia_answers"))[0]["points"]
    before = len(env.fake.requests)
    await env.restart()
    notice = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    text = message_text(notice.json)
    assert "restarted" in text
    assert f"<@{env.fan2_id}> — {points} points" in text
    assert no_pings(notice.json)


async def test_an_unknown_pack_name_is_echoed_inert(env: BotEnv) -> None:
    itx = await env.slash(env.fan_id, "trivia", "start", pack="**loud** @everyone")
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "**loud**" not in text
    assert "@everyone" not in text  # escape_mentions breaks it with a zero-width space
    assert await _rows(env, "SELECT * FROM trivia_games") == []
