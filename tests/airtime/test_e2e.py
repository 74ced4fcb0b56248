"""End to end: the real bot against the fake Discord, with the clock moved (no sleeping)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cogs.airtime.keys import job_id
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.records import Drama
from tests.airtime.helpers import (
    EP1,
    EP2,
    MSG,
    assert_role_only,
    dramas,
    ledger,
    posts,
    service,
    setup_announced,
)
from tests.fakediscord.state import ALL_PERMISSIONS, VIEW_CHANNEL
from tests.harness import BotEnv, no_pings, until

MANAGE_ROLES = 1 << 28


async def test_reminders_and_on_air_arrive_on_time_pinging_only_the_role(env: BotEnv) -> None:
    drama_id, channel, role = await setup_announced(env)
    assert posts(env, channel) == []
    start = len(env.fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=60))
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert_role_only(rec.json, role)
    assert "episode 1 airs" in rec.json["content"]
    assert "late" not in rec.json["content"]
    button = rec.json["components"][0]["components"][0]
    assert button["custom_id"] == f"airtime:follow:{drama_id}"

    start = len(env.fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=10))
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert_role_only(rec.json, role)

    start = len(env.fake.requests)
    await env.advance_to(EP1)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert_role_only(rec.json, role)
    assert "episode 1 is on air now on tvN" in rec.json["content"]
    assert "FINALE" not in rec.json["content"]
    await env.settle()
    assert len(posts(env, channel)) == 3
    assert await ledger(env) == [("1", "onair", "sent"), ("1", "remind10", "sent"),
                                 ("1", "remind60", "sent")]  # fmt: skip


async def test_nothing_is_posted_before_its_time(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env)
    await env.advance_to(EP1 - timedelta(minutes=61))
    await env.settle(10)
    assert posts(env, channel) == []
    assert await ledger(env) == []


async def test_restart_between_reminder_and_air_neither_loses_nor_repeats(env: BotEnv) -> None:
    _, channel, role = await setup_announced(env, remind="30")
    start = len(env.fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=30))
    await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    await env.advance_to(EP1 - timedelta(minutes=20))
    await env.restart()
    await env.settle(10)
    assert len(posts(env, channel)) == 1  # the reminder was not repeated
    start = len(env.fake.requests)
    await env.advance_to(EP1)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "on air now" in rec.json["content"]
    assert "late" not in rec.json["content"]
    assert_role_only(rec.json, role)
    await env.restart()
    await env.settle(10)
    assert len(posts(env, channel)) == 2
    assert await ledger(env) == [("1", "onair", "sent"), ("1", "remind30", "sent")]


async def test_downtime_sends_within_grace_late_and_skips_older(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env, remind="60")
    await env.stop()
    env.travel_to(EP1 + timedelta(minutes=10))  # reminder expired, on-air within 30 min
    await env.start()
    rec = await env.fake.wait_for_request("POST", MSG.format(channel))
    assert "on air now" in rec.json["content"]
    assert rec.json["content"].endswith("(late: I was offline)")
    await env.settle()
    assert len(posts(env, channel)) == 1
    assert await ledger(env) == [("1", "onair", "sent"), ("1", "remind60", "skipped")]


async def test_claimed_but_unsent_after_a_crash_is_sent_once(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env, remind="30")
    await env.stop()
    env.travel_to(EP1 - timedelta(minutes=29))
    await env.start()  # the reminder goes out now (1 min after due: on time)
    await env.fake.wait_for_request("POST", MSG.format(channel))
    # Simulate a crash between claim and send for the on-air post: a claimed row, no message.
    drama = (await dramas(env))[0]
    assert await LedgerStore(env.running.db).claim(drama, ("1", "onair"), channel, EP1)
    await env.stop()
    env.travel_to(EP1 + timedelta(minutes=2))
    await env.start()
    rec = await env.fake.wait_for_request(
        "POST", MSG.format(channel), predicate=lambda r: "on air" in r.json["content"]
    )
    assert "(late" in rec.json["content"]
    await env.restart()  # and a second restart finds it sent: no repeat
    await env.settle(10)
    assert len(posts(env, channel)) == 2
    assert ("1", "onair", "sent") in await ledger(env)


async def test_claimed_and_actually_sent_before_crash_is_not_repeated(env: BotEnv) -> None:
    _drama_id, channel, _ = await setup_announced(env, remind="none")
    await env.advance_to(EP1)
    await env.fake.wait_for_request("POST", MSG.format(channel))
    await env.settle()
    # Pretend the bot died after Discord accepted the post but before marking it sent (a
    # torn state no command can make: written directly).
    await env.running.db.execute(
        "UPDATE airtime_announcements SET state = 'claimed', message_id = NULL"
    )
    await env.restart()
    await env.settle(10)
    assert len(posts(env, channel)) == 1
    assert await ledger(env) == [("1", "onair", "sent")]


async def test_finale_and_streaming_posts(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 7, 26, 10, 0, tzinfo=UTC))
    channel = env.fake.add_channel(env.guild_id, "airtime")
    await env.settle()
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim", streaming="Viki",
                    streaming_delay=60)  # fmt: skip
    await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim", channel=channel,
                    remind="none")  # fmt: skip
    finale = datetime(2018, 7, 26, 12, 30, tzinfo=UTC)
    await env.advance_to(finale)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel))
    assert "episode 16 — the FINALE is on air now" in rec.json["content"]
    assert "FINALE" in rec.json["content"]
    assert no_pings(rec.json)
    start = len(env.fake.requests)
    await env.advance_to(finale + timedelta(minutes=60))
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "now streaming on Viki" in rec.json["content"]
    assert no_pings(rec.json)
    text = await env.reply(env.fan_id, "airtime", "next")
    assert "has ended" in text
    assert "episode 16" in text
    assert "aired <t:1532608200:D> (2018-07-26 KST)" in text


async def test_deleted_channel_is_reported_and_other_guilds_flow(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env, remind="none")
    other = env.fake.add_guild(name="Other Club")
    other_mod = env.fake.add_member(
        other.id, name="om", roles=(env.fake.add_role(other.id, "M", permissions=1 << 5),)
    )
    await env.settle()
    added = await env.fake.slash(
        other.id,
        other.default_channel_id,
        other_mod,
        "drama",
        "add",
        options={"catalog": "secretary-kim"},
    )
    assert "Added" in await added.reply_text()
    itx = await env.fake.slash(
        other.id,
        other.default_channel_id,
        other_mod,
        "drama",
        "announce",
        options={"drama": "Secretary Kim", "channel": other.default_channel_id},
    )
    assert "go to" in await itx.reply_text()
    await env.fake.delete_channel(channel)
    await env.advance_to(EP1)
    rec = await env.fake.wait_for_request(
        "POST",
        MSG.format(other.default_channel_id),
        predicate=lambda r: "on air" in r.json["content"],
    )
    assert rec.status == 200
    await env.settle()
    problems = await env.running.guild_settings.problems(env.guild_id, "airtime")
    assert len(problems) == 1
    assert "no longer exists" in problems[0].message
    assert ("1", "onair", "failed") in await ledger(env)
    text = await env.reply(env.mod_id, "drama", "list")
    assert "Needs attention" in text
    assert "no longer exists" in text
    config = await env.reply(env.mod_id, "config", "show")
    assert "no longer exists" in config


async def test_fan_follows_and_unfollows_via_role_and_button(env: BotEnv) -> None:
    drama_id, channel, role = await setup_announced(env)
    itx = await env.slash(env.fan_id, "airtime", "follow", drama="secretary kim")
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "You now follow" in text
    put = env.fake.find_requests(
        "PUT", rf"/guilds/{env.guild_id}/members/{env.fan_id}/roles/{role}"
    )
    assert len(put) == 1
    assert role in env.fake.guilds[env.guild_id].members[env.fan_id].roles
    await env.settle()
    text = await env.reply(env.fan_id, "airtime", "unfollow", drama=str(drama_id))
    assert "no longer follow" in text
    assert role not in env.fake.guilds[env.guild_id].members[env.fan_id].roles
    # The Follow button on an announcement, after a restart.
    await env.advance_to(EP1 - timedelta(minutes=60))
    rec = await env.fake.wait_for_request("POST", MSG.format(channel))
    await env.restart()
    await env.settle()
    click = await env.fake.click(env.guild_id, channel, env.fan2_id, int(rec.response["id"]),
                                 f"airtime:follow:{drama_id}")  # fmt: skip
    assert "You now follow" in await click.reply_text()
    assert click.is_ephemeral
    assert role in env.fake.guilds[env.guild_id].members[env.fan2_id].roles


async def test_follow_without_role_or_permission_says_so(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 6, 10, 0, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    text = await env.reply(env.fan_id, "airtime", "follow", drama="Secretary Kim")
    assert "has no ping role" in text
    role = env.fake.add_role(env.guild_id, "fans")
    await env.settle()
    await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                    channel=env.channel_id, role=role)  # fmt: skip
    env.fake.set_bot_permissions(env.guild_id, (1 << 10) | (1 << 11))  # view + send only
    await env.settle()
    text = await env.reply(env.fan_id, "airtime", "follow", drama="Secretary Kim")
    assert "Manage Roles" in text
    assert role not in env.fake.guilds[env.guild_id].members[env.fan_id].roles


async def test_fan_commands_next_week_episodes_calendar(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 7, 12, 0, 0, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    text = await env.reply(env.fan_id, "airtime", "next", drama="Secretary Kim")
    ep12 = int(datetime(2018, 7, 12, 12, 30, tzinfo=UTC).timestamp())
    assert f"Episode 12 · <t:{ep12}:F> (<t:{ep12}:R>) · Thu 21:30 KST on tvN" in text
    text = await env.reply(env.fan_id, "airtime", "week")
    assert text.count("What's Wrong") == 2  # eps 12 (Thu 12th) and 13 (Wed 18th) in 7 days
    assert text.index("Episode 12") < text.index("Episode 13")
    assert "FINALE" not in text
    itx = await env.slash(env.fan_id, "airtime", "episodes", drama="Secretary Kim")
    text = await itx.reply_text()
    assert text.count("✅") == 11
    assert "Episode 16 (finale)" in text
    itx = await env.slash(env.fan_id, "airtime", "calendar", drama="Secretary Kim")
    await itx.response()
    msg = itx.messages[0]
    attachment = msg["attachments"][0]
    assert attachment["filename"].endswith(".ics")
    cb = await itx.response()
    body = cb.files[0][1].decode()
    assert body.count("BEGIN:VEVENT") == 16
    assert "DTSTART:20180712T123000Z\r\n" in body


async def test_autocomplete_suggests_dramas_and_catalog(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.mod_id, ("drama", "add"), focused="catalog", value="kim"
    )
    assert choices == [{"name": "What's Wrong with Secretary Kim", "value": "secretary-kim"}]
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    choices = await env.fake.autocomplete(
        env.guild_id,
        env.channel_id,
        env.fan_id,
        ("airtime", "next"),
        focused="drama",
        value="김비서",
    )
    assert [c["name"] for c in choices] == ["What's Wrong with Secretary Kim"]


async def test_skip_shifts_and_posts_a_notice(env: BotEnv) -> None:
    drama_id, channel, _ = await setup_announced(env, remind="none")
    start = len(env.fake.requests)
    itx = await env.slash(env.mod_id, "drama", "skip", drama="Secretary Kim", date="2018-06-07",
                          reason="World Cup")  # fmt: skip
    text = await itx.reply_text()
    assert "episode 2 now airs" in text
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    ep2 = int(datetime(2018, 6, 13, 12, 30, tzinfo=UTC).timestamp())
    assert (
        "No episode of **What's Wrong with Secretary Kim** on Thu 2018-06-07" in rec.json["content"]
    )
    assert f"episode 2 now airs <t:{ep2}:F>" in rec.json["content"]
    assert "(KST): World Cup; episode 2" in rec.json["content"]
    assert no_pings(rec.json)
    assert (await dramas(env))[0].skip_reasons == ((date(2018, 6, 7), "World Cup"),)
    itx = await env.slash(env.fan_id, "airtime", "episodes", drama=str(drama_id))
    assert "No episode on Thu 2018-06-07 (KST): World Cup\n" in await itx.reply_text()


async def test_fans_cannot_use_moderator_commands(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    itx = await env.slash(env.fan_id, "drama", "add", catalog="secretary-kim")
    assert "for moderators" in await itx.reply_text()
    assert itx.is_ephemeral
    assert await dramas(env) == []


BAD_ADDS = [
    ({"days": "Wed Funday"}, "not a weekday"),
    ({"time": "25:00"}, "not a time of day"),
    ({"premiere": "2018-02-30"}, "not a valid date"),
    ({"episodes": 0}, "between 1 and 300"),
    ({"episodes": 500}, "between 1 and 300"),
    ({"premiere": "2031-01-01"}, "at most two years ahead"),
    ({"premiere": "1960-01-01"}, "no earlier than 1990"),
    ({"title": "x" * 200}, "the limit is 100"),
    ({"title": "@everyone **Kim**"}, "cannot contain mentions"),
    ({"title": "<@&123> Kim"}, "cannot contain mentions"),
]
GOOD = {"title": "Kim", "network": "tvN", "days": "Wed Thu", "time": "21:30",
        "premiere": "2018-06-06", "episodes": 16}  # fmt: skip


@pytest.mark.parametrize(("override", "message"), BAD_ADDS)
async def test_bad_input_is_refused_and_changes_nothing(
    env: BotEnv, override: dict[str, Any], message: str
) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    itx = await env.slash(env.mod_id, "drama", "add", **{**GOOD, **override})
    text = await itx.reply_text()
    assert message in text
    assert itx.is_ephemeral
    assert await dramas(env) == []
    assert not posts(env, env.channel_id)


async def test_duplicate_title_and_missing_fields(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", **GOOD)
    before = await dramas(env)
    text = await env.reply(env.mod_id, "drama", "add", **{**GOOD, "title": "  KIM "})
    assert "already tracks a drama called" in text
    text = await env.reply(env.mod_id, "drama", "add", title="Other")
    assert "`network`" in text
    text = await env.reply(env.mod_id, "drama", "edit", drama="Kim", episodes=0)
    assert "between 1 and 300" in text
    assert await dramas(env) == before


async def test_edit_extension_moves_the_finale(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    text = await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", episodes=18)
    assert "18 episodes" in text
    text = await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", episodes=1)
    assert "1 episode," in text  # a one-off special: no "1 episodes"
    text = await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", episodes=18)
    text = await env.reply(env.fan_id, "airtime", "episodes", drama="Secretary Kim")
    assert "Episode 18 (finale)" in text
    text = await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", move_episode=3,
                           move_to="2018-06-15 23:00")  # fmt: skip
    assert "Updated" in text
    assert (await dramas(env))[0].moves == {3: datetime(2018, 6, 15, 14, 0, tzinfo=UTC)}


async def test_missing_permission_is_reported_then_cleared_on_success(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env, remind="none")
    env.fake.set_bot_permissions(env.guild_id, VIEW_CHANNEL, channel_id=channel)
    await env.settle()
    await env.advance_to(EP1)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel))
    assert rec.status == 403
    await env.settle()
    problems = await env.running.guild_settings.problems(env.guild_id, "airtime")
    assert [p.key for p in problems] == ["announce:1"]
    assert "lack permission" in problems[0].message
    assert ("1", "onair", "failed") in await ledger(env)
    env.fake.set_bot_permissions(env.guild_id, ALL_PERMISSIONS, channel_id=channel)
    await env.settle()
    start = len(env.fake.requests)
    await env.advance_to(EP2)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert rec.status == 200
    await env.settle()
    assert await env.running.guild_settings.problems(env.guild_id, "airtime") == []


async def test_announce_warns_about_permissions_up_front(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    channel = env.fake.add_channel(env.guild_id, "locked")
    high_role = env.fake.add_role(env.guild_id, "VIP", position=50)
    await env.settle()
    env.fake.set_bot_permissions(env.guild_id, VIEW_CHANNEL, channel_id=channel)
    await env.settle()
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    text = await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                           channel=channel, role=high_role)  # fmt: skip
    assert "I can't post in" in text
    assert "above my highest role" in text
    fine = env.fake.add_role(env.guild_id, "fans")
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                           channel=env.channel_id, role=fine)  # fmt: skip
    assert "⚠️" not in text


async def test_a_digit_title_wins_over_another_dramas_id(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    await env.reply(env.mod_id, "drama", "add", **{**GOOD, "title": "1", "network": "JTBC"})
    tracked = await service(env).tracked_dramas(env.guild_id)
    assert sorted((d.drama_id, d.title) for d in tracked) == [
        (1, "What's Wrong with Secretary Kim"),
        (2, "1"),
    ]
    assert (await env.reply(env.fan_id, "airtime", "episodes", drama="1")).startswith("**1** —")
    # No drama is titled "2", so "2" is still the id autocomplete sends.
    assert (await env.reply(env.fan_id, "airtime", "episodes", drama="2")).startswith("**1** —")
    # Autocomplete values stay unambiguous: Secretary Kim's id "1" is another drama's title.
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("airtime", "next"), focused="drama", value=""
    )
    assert sorted(c["value"] for c in choices) == ["2", "What's Wrong with Secretary Kim"]
    for choice in choices:
        text = await env.reply(env.fan_id, "airtime", "next", drama=choice["value"])
        assert text.startswith(f"**{choice['name']}** ·")
    # Commands that re-read the drama after a change use its id, not a name lookup.
    text = await env.reply(env.mod_id, "drama", "skip", drama="Secretary Kim", date="2018-06-07")
    assert "No episode of **What's Wrong with Secretary Kim** on Thu 2018-06-07" in text
    assert "episode 2 now airs" in text


async def test_a_shard_0_of_2_process_announces_only_its_own_servers(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 6, 10, 0, tzinfo=UTC))
    channels, guilds = {}, {}
    for shard in (0, 1):
        guild = env.fake.add_guild(name=f"Club on shard {shard}", shard=(shard, 2))
        mods = env.fake.add_role(guild.id, "Mods", permissions=1 << 5)
        mod = env.fake.add_member(guild.id, name=f"mod{shard}", roles=(mods,))
        await env.settle()
        for path, options in (
            (("drama", "add"), {"catalog": "secretary-kim"}),
            (("drama", "announce"), {"drama": "Secretary Kim", "channel": guild.default_channel_id,
                                     "remind": "none"}),
        ):  # fmt: skip
            itx = await env.fake.slash(guild.id, guild.default_channel_id, mod, *path,
                                       options=options)  # fmt: skip
            await itx.reply_text()
        channels[shard] = guild.default_channel_id
        guilds[shard] = guild.id
    await env.restart(shard_count=2, shard_ids="0")
    mine = (await dramas(env, guilds[0]))[0].drama_id

    async def armed() -> bool:  # arming runs in the background after start-up
        return bool(env.running.scheduler.job_ids("airtime:"))

    await until(armed, "the announcements armed")
    assert env.running.scheduler.job_ids("airtime:") == [job_id(mine)]
    start = len(env.fake.requests)
    await env.advance_to(EP1)
    await env.fake.wait_for_request("POST", MSG.format(channels[0]), after=start)
    await env.settle(10)
    assert len(posts(env, channels[0], start)) == 1
    assert posts(env, channels[1], start) == []


async def test_a_failing_schedule_listener_is_logged_with_its_server_and_drama(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    drama_id, _, _ = await setup_announced(env)

    async def broken(before: Drama, after: Drama | None) -> None:
        raise RuntimeError("listener broke")

    service(env).schedule_changed.append(broken)
    text = await env.reply(env.mod_id, "drama", "edit", drama=str(drama_id), time="22:00")
    assert "22:00" in text, text  # the change still went through
    (record,) = [r for r in caplog.records if r.getMessage() == "schedule listener failed"]
    assert record.levelno == logging.ERROR
    assert (record.guild_id, record.drama_id) == (env.guild_id, drama_id)
