"""A moderator deletes a busy channel mid-run: every feature lets go of it; the rest goes on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, MANAGE_MESSAGES, SEND_MESSAGES
from tests.harness import BotEnv
from tests.integration.common import assert_nothing_pings, posts, until
from tests.integration.conftest import NewsSite

START = datetime(2018, 6, 6, 10, 0, tzinfo=UTC)
EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
EP2 = datetime(2018, 6, 7, 12, 30, tzinfo=UTC)
ARTICLE = """<html><head><meta property="og:title" content="Secretary Kim ratings soar">
</head><body></body></html>"""


async def busy_channel(env: BotEnv, site: NewsSite) -> tuple[int, int]:
    """#doomed: announcements, previews, a poll and a trivia game; some grants missing."""
    fake = env.fake
    doomed = fake.add_channel(env.guild_id, "doomed")
    role = fake.add_role(env.guild_id, "Kim fans")
    await env.settle()
    assert "Added" in await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim", channel=doomed,
                    role=role, remind="30")  # fmt: skip
    await env.reply(env.mod_id, "config", "channel", feature="previews", channel=doomed,
                    state="on")  # fmt: skip
    options = {"question": "Q", "options": "a | b", "duration": "1d"}
    itx = await fake.slash(env.guild_id, doomed, env.fan_id, "poll", "create", options=options)
    assert "is up" in await itx.reply_text()
    poll = await fake.wait_for_request("POST", f"/channels/{doomed}/messages")
    itx = await fake.slash(env.guild_id, doomed, env.fan2_id, "trivia", "start",
                           options={"pack": "Secretary Kim", "questions": 3})  # fmt: skip
    assert "started" in await itx.reply_text()
    # Manage Messages is missing there: a changed vote is reported to moderators.
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES, channel_id=doomed
    )
    await fake.sync()
    message_id = int(poll.response["id"])
    await fake.add_reaction(env.guild_id, doomed, message_id, env.fan_id, "🇦")
    await fake.add_reaction(env.guild_id, doomed, message_id, env.fan_id, "🇧")

    async def reported() -> bool:
        return bool(await env.running.guild_settings.problems(env.guild_id, "polls"))

    await until(reported, "polls problem")
    return doomed, role


async def test_channel_deleted_mid_run(env: BotEnv, news: NewsSite) -> None:
    fake = env.fake
    await env.advance_to(START)
    doomed, role = await busy_channel(env, news)
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~SEND_MESSAGES, channel_id=doomed
    )
    await fake.sync()
    await fake.post_message(env.guild_id, doomed, env.fan_id, news.publish("/a", ARTICLE))

    async def previews_reported() -> bool:
        return bool(await env.running.guild_settings.problems(env.guild_id, "previews"))

    await until(previews_reported, "previews problem")

    await fake.delete_channel(doomed)
    await fake.sync()
    db = env.running.db

    async def let_go() -> bool:
        closed = await db.fetch_value("SELECT close_reason FROM polls")
        game = await db.fetch_value("SELECT status FROM trivia_games")
        return (closed, game) == ("channel deleted", "stopped")

    await until(let_go, "the poll closed and the game ended")
    start = len(fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=30))
    await env.settle(10)
    # The only thing left for moderators: announcements need a new channel.
    problems = await env.running.guild_settings.problems(env.guild_id)
    assert [(p.feature, p.key) for p in problems] == [("airtime", "announce:1")], problems
    show = await env.reply(env.mod_id, "config", "show")
    assert "no longer exists" in show
    assert "grant" not in show.casefold(), show
    touched = [(r.path, r.status) for r in fake.requests[start:] if r.path.startswith("/channels")]
    assert touched == [(f"/channels/{doomed}/messages", 404)]  # only the reminder, refused

    # Trivia and polls go on elsewhere; the moderator points announcements at #general.
    assert "started" in await env.reply(env.fan_id, "trivia", "start", questions=1)
    text = await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                           channel=env.channel_id, role=role, remind="30")  # fmt: skip
    assert "⚠️" not in text, text
    assert await env.running.guild_settings.problems(env.guild_id) == []
    start = len(fake.requests)
    await env.advance_to(EP2 - timedelta(minutes=30))
    rec = await fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=start,
        predicate=lambda r: "episode 2" in (r.json.get("content") or ""),
    )  # fmt: skip
    assert rec.json["content"].startswith(f"<@&{role}> ")
    assert "episode 1" not in "".join(
        r.json.get("content") or "" for r in posts(env, env.channel_id)
    )  # what was missed in the deleted channel is not replayed in the new one
    assert "No problems reported." in await env.reply(env.mod_id, "config", "show")
    assert assert_nothing_pings(env, except_roles={role}) > 10
