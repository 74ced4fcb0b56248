"""A hostile fan tries every user-text entry point: nothing pings, bad input changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.trivia.library import shipped_packs
from tests.harness import BotEnv, message_text
from tests.integration.common import assert_nothing_pings, posts, until
from tests.integration.conftest import NewsSite

NOW = datetime(2018, 7, 30, 9, 0, tzinfo=UTC)  # the drama has ended: every scene aired
ZWSP = "\u200b"


def hostile_page(role: int, user: int) -> str:
    """An article whose metadata tries to ping everyone, a role and a user."""
    return f"""<!doctype html><html><head>
<meta property="og:title" content="@everyone FREE NITRO <@&{role}> **click** @here">
<meta property="og:description" content="<@{user}> ||leak|| [x](http://evil.example) @everyone">
<meta property="og:site_name" content="@here news">
</head><body><p>body</p></body></html>"""


async def counts(env: BotEnv) -> tuple[int, ...]:
    """Row counts of every table a fan or moderator could fill."""
    db = env.running.db
    tables = ("polls", "poll_votes", "trivia_games", "airtime_dramas", "trivia_packs")
    values = [await db.fetch_value(f"SELECT COUNT(*) FROM {t}") for t in tables]  # noqa: S608
    return tuple(int(v) for v in values)


async def refused(env: BotEnv, user_id: int, *path: str, **options: Any) -> str:
    """Run a command that must be refused privately, posting nothing and storing nothing."""
    before_rows = await counts(env)
    before = len(env.fake.requests)
    itx = await env.slash(user_id, *path, **options)
    text = await itx.reply_text()
    assert itx.is_ephemeral, (path, text)
    await env.settle()
    assert posts(env, env.channel_id, before) == [], (path, text)
    assert await counts(env) == before_rows, (path, text)
    return text


def assert_inert(text: str, *, users: bool = False) -> None:
    """Channel text in which no user-typed mention survives (`users`: the bot may name fans)."""
    for raw in ("@everyone", "@here", "<@&", *(() if users else ("<@1", "<@!"))):
        assert raw not in text, (raw, text)


async def poll_injection(env: BotEnv, troll: int, role: int) -> int:
    """A poll whose question and options try to ping: posted as plain, escaped text."""
    before = len(env.fake.requests)
    itx = await env.slash(
        troll, "poll", "create", question=f"@everyone <@&{role}> **vote** now",
        options=f"<@{env.mod_id}> | @here | __under__ `code`",
    )  # fmt: skip
    assert "is up" in await itx.reply_text()
    rec = await env.fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=before
    )
    text = message_text(rec.json)
    assert_inert(text)
    assert f"@{ZWSP}everyone" in text
    assert "\\*\\*vote\\*\\*" in text
    poll: Any = await env.running.db.fetch_one("SELECT poll_id, question FROM polls")
    assert poll["question"] == f"@everyone <@&{role}> **vote** now"  # stored as typed
    return int(poll["poll_id"])


async def bad_inputs(env: BotEnv, troll: int, poll_id: int) -> None:
    """Every refusal is private, with a reason, and changes nothing."""
    assert "option" in await refused(env, troll, "poll", "create", question="Q", options="one")
    many = " | ".join(f"o{i}" for i in range(21))
    assert "20" in await refused(env, troll, "poll", "create", question="Q", options=many)
    await refused(env, troll, "poll", "create", question="Q", options="a | a")
    await refused(env, troll, "poll", "create", question="Q", options="a | b", duration="forever")
    await refused(env, troll, "poll", "create", question="Q", options="a | b", duration="40d")
    await refused(env, troll, "poll", "create", question="Q", options="x" * 300 + " | b")
    await refused(env, troll, "trivia", "start", questions=1000)
    await refused(env, troll, "trivia", "start", seconds=1)
    await refused(env, troll, "trivia", "start", pack="no such pack")
    await refused(env, troll, "config", "channel", feature="previews", channel=env.channel_id,
                  state="on")  # fmt: skip
    await refused(env, troll, "drama", "add", catalog="secretary-kim")
    await refused(
        env, env.mod_id, "drama", "add", title="@everyone <@&1> Kim", network="tvN",
        days="Wed Thu", time="21:30", premiere="2018-06-06", episodes=16,
    )  # fmt: skip
    await refused(
        env, env.mod_id, "drama", "add", title="**Secretary** Kim", network="tvN",
        days="Wed Thu", time="25:00", premiere="2018-02-30", episodes=500,
    )  # fmt: skip
    other = await env.slash(env.fan2_id, "poll", "create", question="Mine", options="a | b")
    assert "is up" in await other.reply_text()
    mine = await env.running.db.fetch_value("SELECT MAX(poll_id) FROM polls")
    await refused(env, troll, "poll", "close", poll=mine)
    assert await env.running.db.fetch_value(
        "SELECT closed_at FROM polls WHERE poll_id = :poll_id", {"poll_id": mine}
    ) is None  # fmt: skip
    assert poll_id != mine


async def typed_trivia_injection(env: BotEnv, troll: int, role: int) -> None:
    """Typed answers full of mentions score nothing and are never echoed as pings."""
    before = len(env.fake.requests)
    itx = await env.slash(env.fan_id, "trivia", "start", pack="Secretary Kim", questions=1,
                          mode="typed", seconds=10)  # fmt: skip
    assert "typed mode" in await itx.reply_text()
    game: Any = await env.running.db.fetch_one("SELECT plan FROM trivia_games")
    plan = json.loads(game["plan"])
    question = shipped_packs()["secretary kim"].questions[plan[0]["q"]]
    answer = question.answers[0]
    for text in (f"<@&{role}>", f"<@{env.mod_id}> <#{env.channel_id}>", f"<@&{role}> **{answer}**"):
        await env.fake.post_message(env.guild_id, env.channel_id, troll, text)

    async def tried() -> bool:
        value = await env.running.db.fetch_value(
            "SELECT tries FROM trivia_answers WHERE user_id = :user_id", {"user_id": troll}
        )
        return value is not None

    await until(tried, "the troll's typed answer")
    row: Any = await env.running.db.fetch_one(
        "SELECT correct, tries FROM trivia_answers WHERE user_id = :user_id", {"user_id": troll}
    )
    # Bare mentions are chatter (no try), markup around the right answer is forgiven.
    assert (row["correct"], row["tries"]) == (1, 1)
    start = len(env.fake.requests)
    await env.advance_to(NOW + timedelta(minutes=1))
    await env.fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=start,
        predicate=lambda r: "Final standings" in message_text(r.json),
    )  # fmt: skip
    for rec in posts(env, env.channel_id, before):
        assert_inert(message_text(rec.json), users=True)


async def preview_injection(env: BotEnv, troll: int, role: int, site: NewsSite) -> None:
    """A page whose title pings everyone becomes an inert preview."""
    url = site.publish("/scoop", hostile_page(role, env.mod_id))
    start = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, troll, f"@everyone read {url}")
    rec = await env.fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=start,
        predicate=lambda r: bool(r.json.get("embeds")),
    )  # fmt: skip
    embed = rec.json["embeds"][0]
    preview_id = int(rec.response["id"])
    # Another fan cannot remove the troll's preview (nor the troll anyone else's).
    button = rec.json["components"][0]["components"][0]["custom_id"]
    other = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, preview_id, button)
    assert "Only the person" in await other.reply_text()
    assert other.is_ephemeral
    assert env.fake.get_message(env.channel_id, preview_id) is not None
    # Title, description and fields render markdown and mentions; author and footer render
    # neither (and no embed text ever pings), so only the former are escaped.
    assert_inert(message_text({"embeds": [embed]}))
    assert f"@{ZWSP}everyone" in embed["title"]
    assert "\\*\\*click\\*\\*" in embed["title"]
    itx = await env.slash(troll, "preview", url=site.url("/scoop"))
    await itx.reply_text()
    assert any(message.get("embeds") for message in itx.messages), itx.messages
    for message in itx.messages:
        assert_inert(message_text({"embeds": message.get("embeds") or []}))
    text = await env.reply(troll, "preview", url="http://127.0.0.1:9/admin")
    assert "loopback" in text
    assert site.hits == {"/scoop": 1}  # cached, and loopback never fetched


async def test_hostile_fan(env: BotEnv, news: NewsSite) -> None:
    await env.advance_to(NOW)
    troll = env.fake.add_member(env.guild_id, name="@everyone **admin**")
    role = env.fake.add_role(env.guild_id, "Kim fans")
    await env.settle()
    assert "Added" in await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    on = await env.reply(env.mod_id, "config", "channel", feature="previews",
                         channel=env.channel_id, state="on")  # fmt: skip
    assert "on" in on

    poll_id = await poll_injection(env, troll, role)
    await bad_inputs(env, troll, poll_id)
    await typed_trivia_injection(env, troll, role)
    await preview_injection(env, troll, role, news)

    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM airtime_dramas") == 1
    assert assert_nothing_pings(env) > 20
    for rec in env.fake.requests:
        if rec.method == "PUT" and "/roles/" in rec.path:
            raise AssertionError(f"a role changed hands: {rec.path}")
