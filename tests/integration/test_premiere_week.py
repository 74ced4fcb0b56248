"""Premiere week of "What's Wrong with Secretary Kim": every feature in one running bot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.trivia.library import shipped_packs
from cogs.trivia.render import RESTART_NOTICE
from tests.harness import BotEnv, message_text
from tests.integration.common import (
    assert_nothing_pings,
    member_roles,
    posts,
    sent_payloads,
    until,
    votes,
    wait_votes,
)
from tests.integration.conftest import NewsSite

TITLE = "What's Wrong with Secretary Kim"
MONDAY_MORNING = datetime(2018, 6, 6, 10, 0, tzinfo=UTC)
EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)  # Wed 21:30 KST
EP2 = datetime(2018, 6, 7, 12, 30, tzinfo=UTC)  # Thu 21:30 KST
MOODS = ["❤️", "😂", "😮", "😢", "😡"]
FIRE, KISS, WARDROBE = "🔥", "💋", "👔"
ARTICLE = """<!doctype html><html><head>
<meta property="og:title" content="Park Seo Joon and Park Min Young sizzle in Secretary Kim">
<meta property="og:site_name" content="Drama News">
<meta property="og:description" content="The premiere of What's Wrong with Secretary Kim
 drew record ratings for tvN.">
</head><body><h1>Secretary Kim premiere</h1><p>Ratings are in.</p></body></html>"""


async def moderator_sets_up(env: BotEnv) -> tuple[int, int, int, int, int]:
    """Mod role, channels, the catalog drama and its announcements; returns their ids."""
    fake = env.fake
    airtime = fake.add_channel(env.guild_id, "airtime")
    news = fake.add_channel(env.guild_id, "news")
    helpers = fake.add_role(env.guild_id, "Helpers")
    helper = fake.add_member(env.guild_id, name="helper", roles=(helpers,))
    fans_role = fake.add_role(env.guild_id, "Kim fans")
    await env.settle()
    # A fan cannot configure anything; the mod hands moderation to the Helpers role.
    refused = await env.slash(env.fan_id, "config", "modrole", role=helpers)
    assert "Manage Server" in await refused.reply_text()
    assert refused.is_ephemeral
    assert await env.running.db.fetch_value("SELECT mod_role_id FROM guild_settings") is None
    assert f"<@&{helpers}>" in await env.reply(env.mod_id, "config", "modrole", role=helpers)
    assert await env.running.db.fetch_value("SELECT mod_role_id FROM guild_settings") == helpers
    text = await env.reply(helper, "config", "announce", channel=airtime)
    assert f"<#{airtime}>" in text
    text = await env.reply(
        helper, "config", "channel", feature="previews", channel=news, state="on"
    )
    assert "on" in text
    text = await env.reply(helper, "drama", "add", catalog=TITLE)
    assert "Added" in text, text
    assert TITLE in text
    drama_id = await env.running.db.fetch_value("SELECT drama_id FROM airtime_dramas")
    itx = await env.slash(
        helper, "drama", "announce", drama=str(drama_id), channel=airtime, role=fans_role,
        remind="60,10",
    )  # fmt: skip
    assert "Next announcement: <t:" in await itx.reply_text()
    assert itx.is_ephemeral
    return airtime, news, fans_role, helper, drama_id


async def airs_episode_one(env: BotEnv, airtime: int, fans_role: int) -> None:
    """Two reminders and the on-air post, each pinging the fans' role."""
    expected = [(EP1 - timedelta(minutes=60), "episode 1 airs"),
                (EP1 - timedelta(minutes=10), "episode 1 airs"),
                (EP1, "episode 1 is on air now on tvN")]  # fmt: skip
    for when, words in expected:
        start = len(env.fake.requests)
        await env.advance_to(when)
        rec = await env.fake.wait_for_request("POST", f"/channels/{airtime}/messages", after=start)
        assert rec.json["content"].startswith(f"<@&{fans_role}> "), rec.json["content"]
        assert words in rec.json["content"]
        assert "late" not in rec.json["content"]
    await env.settle()
    assert len(posts(env, airtime)) == 3


async def spoiler_safe_trivia(env: BotEnv, helper: int) -> None:
    """Only scenes from aired episodes (none but ep 1) are asked; a right click scores."""
    start = len(env.fake.requests)
    itx = await env.slash(env.fan_id, "trivia", "start", pack="Secretary Kim", questions=50)
    assert "started" in await itx.reply_text()
    question = await env.fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=start
    )
    game: Any = await env.running.db.fetch_one("SELECT game_id, plan FROM trivia_games")
    plan = json.loads(game["plan"])
    pack = shipped_packs()["secretary kim"].questions
    asked = {pack[item["q"]].episode for item in plan}
    assert asked <= {None, 1}, asked
    assert len(plan) == sum(1 for q in pack if q.episode is None or q.episode <= 1)
    right = f"trivia:answer:{game['game_id']}:0:{plan[0]['correct']}"
    click = await env.fake.click(
        env.guild_id, env.channel_id, env.fan_id, int(question.response["id"]), right
    )
    assert "Locked in" in await click.reply_text()
    assert "stopped" in await env.reply(helper, "trivia", "stop")
    answer: Any = await env.running.db.fetch_one("SELECT user_id, correct FROM trivia_answers")
    assert (answer["user_id"], answer["correct"]) == (env.fan_id, 1)


async def news_preview(env: BotEnv, news: int, site: NewsSite) -> tuple[int, int]:
    """A fan's link gets a preview with the next episode and a mood poll; returns both ids."""
    url = site.publish("/2018/06/kim-ratings", ARTICLE)
    start = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, news, env.fan_id, f"ratings!! {url}")
    rec = await env.fake.wait_for_request("POST", f"/channels/{news}/messages", after=start)
    embed = rec.json["embeds"][0]
    assert embed["title"] == "Park Seo Joon and Park Min Young sizzle in Secretary Kim"
    unix = int(EP2.timestamp())
    assert f"episode 2 airs <t:{unix}:F>" in message_text(rec.json)
    message_id = int(rec.response["id"])

    async def mood_poll() -> bool:
        return (
            await env.running.db.fetch_value(
                "SELECT poll_id FROM polls WHERE message_id = :message_id",
                {"message_id": message_id},
            )
            is not None
            and len(env.fake.find_requests("PUT", rf".*/{message_id}/reactions/.*")) == 5
        )

    await until(mood_poll, "mood poll under the preview")
    poll_id = await env.running.db.fetch_value(
        "SELECT poll_id FROM polls WHERE message_id = :message_id", {"message_id": message_id}
    )
    await env.fake.add_reaction(env.guild_id, news, message_id, env.fan_id, MOODS[0])
    await env.fake.add_reaction(env.guild_id, news, message_id, env.fan2_id, MOODS[1])
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 1)])
    return message_id, poll_id


async def kiss_poll(env: BotEnv) -> tuple[int, int]:
    """A fan's "Best kiss scene?" poll, closing in two days; one live vote."""
    start = len(env.fake.requests)
    itx = await env.slash(
        env.fan2_id, "poll", "create", question="Best kiss scene?",
        options=f"{FIRE} Ep 5 | {KISS} Ep 8 | {WARDROBE} Ep 9", duration="2d",
    )  # fmt: skip
    assert "is up" in await itx.reply_text()
    rec = await env.fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=start
    )
    message_id = int(rec.response["id"])
    poll_id = await env.running.db.fetch_value(
        "SELECT poll_id FROM polls WHERE message_id = :message_id", {"message_id": message_id}
    )
    await env.fake.add_reaction(env.guild_id, env.channel_id, message_id, env.fan_id, WARDROBE)
    await wait_votes(env, poll_id, [(env.fan_id, 2)])
    return message_id, poll_id


async def test_premiere_week(env: BotEnv, news: NewsSite) -> None:
    fake = env.fake
    await env.advance_to(MONDAY_MORNING)
    airtime, news_channel, fans_role, helper, drama_id = await moderator_sets_up(env)

    text = await env.reply(env.fan_id, "airtime", "follow", drama="Secretary Kim")
    assert fans_role in member_roles(env, env.fan_id), text
    assert fans_role not in member_roles(env, env.fan2_id)

    await airs_episode_one(env, airtime, fans_role)
    await env.advance_to(EP1 + timedelta(hours=1, minutes=30))  # ep 1 is over
    await spoiler_safe_trivia(env, helper)
    mood_message, mood_id = await news_preview(env, news_channel, news)
    kiss_message, kiss_id = await kiss_poll(env)

    # Mid-week the bot goes down during a second game; fans keep reacting.
    await env.advance_to(EP1 + timedelta(hours=3))
    assert "started" in await env.reply(env.fan2_id, "trivia", "start", pack="Secretary Kim")
    await env.stop()
    fake.add_reaction_offline(env.guild_id, env.channel_id, kiss_message, env.fan2_id, KISS)
    fake.add_reaction_offline(env.guild_id, env.channel_id, kiss_message, env.mod_id, KISS)
    fake.add_reaction_offline(env.guild_id, news_channel, mood_message, env.mod_id, MOODS[2])
    env.travel_to(EP2 - timedelta(hours=2))
    before_restart = len(fake.requests)
    await env.start()
    await wait_votes(env, kiss_id, [(env.fan_id, 2), (env.fan2_id, 1), (env.mod_id, 1)])
    await wait_votes(env, mood_id, [(env.fan_id, 0), (env.fan2_id, 1), (env.mod_id, 2)])
    await env.settle(10)
    assert posts(env, airtime, before_restart) == []  # nothing from episode 1 again
    assert posts(env, news_channel, before_restart) == []
    # Only the interrupted game's notice, once; its row is closed.
    notices = [message_text(r.json) for r in posts(env, env.channel_id, before_restart)]
    assert len(notices) == 1, notices
    assert notices[0].startswith(RESTART_NOTICE)
    statuses = await env.running.db.fetch_all("SELECT status FROM trivia_games ORDER BY game_id")
    assert [row["status"] for row in statuses] == ["stopped", "interrupted"]

    # Episode 2 is announced once, on time, after the restart.
    for lead in (60, 10, 0):
        start = len(fake.requests)
        await env.advance_to(EP2 - timedelta(minutes=lead))
        rec = await fake.wait_for_request("POST", f"/channels/{airtime}/messages", after=start)
        assert "episode 2" in rec.json["content"]
        assert "late" not in rec.json["content"]
    await env.settle()
    assert len(posts(env, airtime)) == 6

    # The kiss poll closes itself at its deadline, with results, exactly once.
    ends_at = await env.running.db.fetch_value(
        "SELECT ends_at FROM polls WHERE poll_id = :poll_id", {"poll_id": kiss_id}
    )
    start = len(fake.requests)
    await env.advance_to(datetime.fromtimestamp(ends_at, UTC) + timedelta(seconds=2))
    result = await fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=start
    )
    text = message_text(result.json)
    assert f"Winner: {KISS} Ep 8 · 3 voters" in text, text
    assert (
        await env.running.db.fetch_value(
            "SELECT close_reason FROM polls WHERE poll_id = :poll_id", {"poll_id": kiss_id}
        )
        == "ended"
    )
    await env.restart()
    await env.settle(10)
    assert len(posts(env, env.channel_id, start)) == 1
    ledger = await env.running.db.fetch_all(
        "SELECT episode_key, kind, state FROM airtime_announcements WHERE drama_id = :drama_id",
        {"drama_id": drama_id},
    )
    assert sorted(tuple(row) for row in ledger) == sorted(
        (ep, kind, "sent") for ep in ("1", "2") for kind in ("onair", "remind10", "remind60")
    )
    assert len(posts(env, airtime)) == 6

    show = await env.reply(helper, "config", "show")
    assert "No problems reported." in show, show
    assert "⚠️" not in show, show
    assert await votes(env, mood_id) == sorted([(env.fan_id, 0), (env.fan2_id, 1), (env.mod_id, 2)])
    for channel in (airtime, news_channel, env.channel_id):
        assert posts(env, channel, start)[1:] == [], channel  # only the poll's results
    # The Follow button on episode 1's on-air post still works after two restarts.
    onair = next(r for r in posts(env, airtime) if "on air now" in r.json["content"])
    click = await fake.click(env.guild_id, airtime, env.fan2_id, int(onair.response["id"]),
                             f"airtime:follow:{drama_id}")  # fmt: skip
    assert "follow" in await click.reply_text()
    assert click.is_ephemeral
    assert fans_role in member_roles(env, env.fan2_id)
    board = await env.reply(env.fan2_id, "trivia", "leaderboard")
    assert f"<@{env.fan_id}>" in board, board
    role_pings = [rec for rec, body in sent_payloads(env) if body["allowed_mentions"].get("roles")]
    assert {rec.path for rec in role_pings} == {f"/channels/{airtime}/messages"}
    assert len(role_pings) == 6  # 2 reminders + on air, for episodes 1 and 2
    assert assert_nothing_pings(env, except_roles={fans_role}) > 20
