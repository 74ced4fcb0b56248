"""Review findings, end to end: odd names, out-of-range moves and specials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.airtime.helpers import (
    EP1,
    EP2,
    MSG,
    assert_role_only,
    dramas,
    exceptions,
    ledger,
    posts,
    setup_announced,
)
from tests.harness import BotEnv, no_pings


@pytest.mark.parametrize("name", ["²", "9" * 30, "١٢"])
async def test_odd_drama_names_get_a_clear_answer(env: BotEnv, name: str) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    itx = await env.slash(env.fan_id, "airtime", "next", drama=name)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "tracks no drama called" in text


@pytest.mark.parametrize(
    "options",
    [
        {"move_episode": 3, "move_to": "0001-01-01 00:00"},
        {"move_episode": 3, "move_to": "9999-12-31 23:59"},
        {"move_episode": 3, "move_to": "1970-01-01 10:00"},
        {"special_at": "0001-01-01 08:59"},
        {"special_at": "2090-01-01 21:00"},
    ],
)
async def test_moves_and_specials_far_from_now_are_refused(
    env: BotEnv, options: dict[str, Any]
) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    itx = await env.slash(env.mod_id, "drama", "edit", drama="Secretary Kim", **options)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "must be between" in text
    assert await exceptions(env) == []


async def test_cut_while_armed_announces_no_episode_that_no_longer_exists(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env, remind="none")
    start = len(env.fake.requests)
    await env.advance_to(EP1)
    await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    # The job is now armed for episode 2; the drama is cut to a single episode.
    text = await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", episodes=1)
    assert "1 episode," in text
    await env.advance_to(EP2 + timedelta(minutes=5))
    await env.settle(10)
    assert len(posts(env, channel)) == 1
    assert [row[0] for row in await ledger(env)] == ["1"]
    # Extended again before episode 3's slot: it is announced at its time.
    await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", episodes=16)
    start = len(env.fake.requests)
    ep3 = datetime(2018, 6, 13, 12, 30, tzinfo=UTC)
    await env.advance_to(ep3)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "episode 3 is on air now" in rec.json["content"]
    assert "late" not in rec.json["content"]


async def test_a_special_is_announced_with_reminder_and_on_air_post(env: BotEnv) -> None:
    drama_id, channel, role = await setup_announced(env, remind="30")
    text = await env.reply(
        env.mod_id,
        "drama",
        "edit",
        drama="Secretary Kim",
        special_at="2018-06-09 20:00",
        special_title="Making of, part 1",
    )
    assert "Updated" in text
    special_at = datetime(2018, 6, 9, 11, 0, tzinfo=UTC)
    special_id = (await dramas(env))[0].specials[0].special_id
    await env.advance_to(EP2 + timedelta(minutes=1))
    await env.settle()
    start = len(env.fake.requests)
    await env.advance_to(special_at - timedelta(minutes=30))
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert_role_only(rec.json, role)
    unix = int(special_at.timestamp())
    assert f"special: Making of, part 1 airs <t:{unix}:R>" in rec.json["content"]
    assert "(20:00 KST)" in rec.json["content"]
    start = len(env.fake.requests)
    await env.advance_to(special_at)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert_role_only(rec.json, role)
    assert "special: Making of, part 1 is on air now on tvN" in rec.json["content"]
    assert rec.json["components"][0]["components"][0]["custom_id"] == f"airtime:follow:{drama_id}"
    await env.restart()
    await env.settle(10)
    assert len(posts(env, channel, after=start)) == 1
    rows = [row for row in await ledger(env) if row[0] == f"sp{special_id}"]
    assert rows == [(f"sp{special_id}", "onair", "sent"), (f"sp{special_id}", "remind30", "sent")]
    # The special took no episode's slot: episode 3 still airs on Wed 2018-06-13.
    text = await env.reply(env.fan_id, "airtime", "episodes", drama="Secretary Kim")
    assert "Episode 3 · <t:" in text
    assert "2018-06-13 21:30 KST" in text


async def test_a_lead_added_after_its_moment_is_not_posted_late(env: BotEnv) -> None:
    drama_id, channel, role = await setup_announced(env, remind="30")
    start = len(env.fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=30))
    await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    await env.advance_to(EP1 - timedelta(minutes=20))
    text = await env.reply(env.mod_id, "drama", "announce", drama=str(drama_id),
                           channel=channel, role=role, remind="60,30")  # fmt: skip
    assert "reminders: 60 min, 30 min" in text
    await env.settle(10)
    start = len(env.fake.requests)
    await env.advance_to(EP1)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "on air now" in rec.json["content"]
    await env.settle()
    contents = [p.json["content"] for p in posts(env, channel)]
    assert len(contents) == 2, contents  # the 30-min reminder and the on-air post
    assert not any("late" in c for c in contents)
    assert ("1", "remind60", "sent") not in await ledger(env)


async def test_follow_a_role_above_the_bot_says_how_to_fix_it(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    high = env.fake.add_role(env.guild_id, "VIP fans", position=50)
    await env.settle()
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                    channel=env.channel_id, role=high)  # fmt: skip
    itx = await env.slash(env.fan_id, "airtime", "follow", drama="Secretary Kim")
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "my highest role must sit above" in text
    assert high not in env.fake.guilds[env.guild_id].members[env.fan_id].roles


async def test_a_title_wins_over_another_dramas_alias(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(
        env.mod_id, "drama", "add", catalog="secretary-kim"
    )  # alias "Why Secretary Kim"
    text = await env.reply(env.mod_id, "drama", "add", title="Why Secretary Kim", network="KBS",
                           days="Mon", time="22:00", premiere="2018-06-04", episodes=4)  # fmt: skip
    assert "Added" in text
    text = await env.reply(env.fan_id, "airtime", "next", drama="why secretary  KIM")
    assert "on KBS" in text
    assert "tvN" not in text


async def test_a_small_delay_after_the_reminder_does_not_ping_a_late_reminder(env: BotEnv) -> None:
    _, channel, role = await setup_announced(env, remind="30")
    start = len(env.fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=30))
    await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    await env.advance_to(EP1 - timedelta(minutes=20))
    start = len(env.fake.requests)
    text = await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", move_episode=1,
                           move_to="2018-06-06 21:35")  # fmt: skip
    assert "episode 1 now airs" in text
    await env.settle(10)
    notices = posts(env, channel, after=start)
    assert len(notices) == 1  # the schedule-change notice, without pings
    assert no_pings(notices[0].json)
    await env.advance_to(EP1)
    await env.settle(10)
    assert len(posts(env, channel, after=start)) == 1  # nothing at the old air time
    start = len(env.fake.requests)
    await env.advance_to(EP1 + timedelta(minutes=5))
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "episode 1 is on air now" in rec.json["content"]
    assert_role_only(rec.json, role)
    await env.settle()
    assert not any("late" in p.json["content"] for p in posts(env, channel))
    assert ("1", "remind30", "sent") in await ledger(env)
