"""End to end: `/drama events` keeps a drama's next episodes as Discord scheduled events."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.airtime.helpers import EP1, EP2, drama_id, service
from tests.fakediscord.state import ALL_PERMISSIONS, CREATE_EVENTS, MANAGE_EVENTS
from tests.harness import BotEnv, until

EVENTS = r"/guilds/\d+/scheduled-events"
RUNTIME = timedelta(minutes=70)  # the catalog drama's runtime
EP3 = datetime(2018, 6, 13, 12, 30, tzinfo=UTC)


def listed(env: BotEnv) -> list[dict[str, Any]]:
    """The guild's scheduled and active events, by start."""
    return env.fake.scheduled_events(env.guild_id, finished=False)


def starts(env: BotEnv) -> list[str]:
    return [event["scheduled_start_time"] for event in listed(env)]


async def wait_for_starts(env: BotEnv, *expected: datetime) -> None:
    wanted = [at.astimezone(UTC) for at in expected]

    async def check() -> bool:
        return [datetime.fromisoformat(s) for s in starts(env)] == wanted

    await until(check, f"events starting {wanted}")


async def add_drama(env: BotEnv) -> int:
    env.travel_to(datetime(2018, 6, 6, 10, 0, tzinfo=UTC))
    assert "Added" in await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    return await drama_id(env)


async def test_events_on_lists_the_next_two_episodes_as_external_events(env: BotEnv) -> None:
    added = await add_drama(env)
    itx = await env.slash(env.mod_id, "drama", "events", drama=str(added), state="on")
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "the next 2 episodes" in text
    events = listed(env)
    assert [e["name"] for e in events] == [
        "What's Wrong with Secretary Kim · Episode 1",
        "What's Wrong with Secretary Kim · Episode 2",
    ]
    first = events[0]
    assert first["entity_type"] == 3
    assert first["entity_metadata"]["location"].startswith("tvN")
    assert datetime.fromisoformat(first["scheduled_start_time"]) == EP1
    assert datetime.fromisoformat(first["scheduled_end_time"]) == EP1 + RUNTIME
    assert "Episode 1 of What's Wrong with Secretary Kim" in first["description"]
    assert "Scheduled events: the next 2 episodes" in await env.reply(env.mod_id, "drama", "list")


async def test_a_skip_moves_the_event_and_off_deletes_them(env: BotEnv) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    await wait_for_starts(env, EP1, EP2)
    ids = [event["id"] for event in listed(env)]
    await env.reply(env.mod_id, "drama", "skip", drama=str(added), date="2018-06-07")
    await wait_for_starts(env, EP1, EP3)  # episode 2 now airs the next Wednesday
    assert [event["id"] for event in listed(env)] == ids  # edited, not recreated
    assert "Episode 2" in listed(env)[1]["name"]

    text = await env.reply(env.mod_id, "drama", "events", drama=str(added), state="off")
    assert "off" in text
    assert listed(env) == []


async def test_events_on_with_a_count_above_the_episodes_left_says_how_many_are_listed(
    env: BotEnv,
) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "edit", drama=str(added), episodes=3)
    text = await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on", count=99)
    assert "the next 3 episodes (all that are left)" in text, text
    assert "99" not in text
    assert len(listed(env)) == 3


async def test_an_extension_marks_the_new_finale_and_removal_deletes_events(
    env: BotEnv,
) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "edit", drama=str(added), episodes=2)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    assert "finale" in listed(env)[1]["name"]
    await env.reply(env.mod_id, "drama", "edit", drama=str(added), episodes=16)

    async def finale_gone() -> bool:
        return all("finale" not in e["name"] for e in listed(env))

    await until(finale_gone, "episode 2 no longer the finale")
    await env.reply(env.mod_id, "drama", "remove", drama=str(added))

    async def none_left() -> bool:
        return listed(env) == []

    await until(none_left, "events of the removed drama deleted")


async def test_an_aired_episode_ends_and_the_next_one_appears(env: BotEnv) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    await env.advance_to(EP1 + timedelta(minutes=5))
    env.fake.update_event_statuses()  # Discord starts the external event at its start
    await env.advance_to(EP1 + RUNTIME + timedelta(seconds=1))
    await wait_for_starts(env, EP2, EP3)
    ended = [e for e in env.fake.scheduled_events(env.guild_id) if e["status"] == 3]
    assert len(ended) == 1
    assert datetime.fromisoformat(ended[0]["scheduled_start_time"]) == EP1


async def test_a_restart_makes_no_second_event(env: BotEnv) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    start = len(env.fake.requests)
    await env.restart()
    await env.fake.wait_for_request("GET", EVENTS, after=start)  # the start-up sync ran
    await env.settle()
    assert len(listed(env)) == 2
    assert len(env.fake.find_requests("POST", EVENTS)) == 2  # the two made before the restart


async def test_bad_counts_and_a_missing_permission_change_nothing(env: BotEnv) -> None:
    added = await add_drama(env)
    for count in (0, 200):
        itx = await env.slash(env.mod_id, "drama", "events", drama=str(added), state="on",
                              count=count)  # fmt: skip
        text = await itx.reply_text()
        assert itx.is_ephemeral
        assert "between 1 and 100" in text
    env.fake.add_scheduled_event(env.guild_id, "Watch party")
    itx = await env.slash(env.mod_id, "drama", "events", drama=str(added), state="on", count=100)
    assert "at most 99" in await itx.reply_text()
    env.fake.set_bot_permissions(env.guild_id, ALL_PERMISSIONS & ~CREATE_EVENTS & ~(1 << 3))
    await env.settle()
    itx = await env.slash(env.mod_id, "drama", "events", drama=str(added), state="on")
    assert "Create Events" in await itx.reply_text()
    assert itx.is_ephemeral
    assert [e["name"] for e in listed(env)] == ["Watch party"]
    text = await env.reply(env.mod_id, "drama", "events", drama="Nope", state="on")
    assert "no drama called" in text


async def test_discord_refusing_a_change_is_reported_then_cleared(env: BotEnv) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    no_events = ALL_PERMISSIONS & ~CREATE_EVENTS & ~MANAGE_EVENTS & ~(1 << 3)
    env.fake.set_bot_permissions(env.guild_id, no_events)
    await env.settle()
    await env.reply(env.mod_id, "drama", "skip", drama=str(added), date="2018-06-07")

    async def reported() -> bool:
        return any(
            "Create Events" in line for line in await service(env).problem_lines(env.guild_id)
        )

    await until(reported, "the refused event edit reported")
    assert "Create Events" in await env.reply(env.mod_id, "config", "show")
    env.fake.set_bot_permissions(env.guild_id, ALL_PERMISSIONS & ~(1 << 3))
    await env.settle()
    await env.reply(env.mod_id, "drama", "undo", drama=str(added), change="2018-06-07")

    async def cleared() -> bool:
        return await service(env).problem_lines(env.guild_id) == []

    await until(cleared, "the problem cleared once Discord accepts again")
    await wait_for_starts(env, EP1, EP2)


async def test_a_shard_0_of_2_process_keeps_only_its_own_servers_events(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 6, 10, 0, tzinfo=UTC))
    guilds = {}
    for shard in (0, 1):
        guild = env.fake.add_guild(name=f"Club on shard {shard}", shard=(shard, 2))
        mods = env.fake.add_role(guild.id, "Mods", permissions=1 << 5)
        mod = env.fake.add_member(guild.id, name=f"mod{shard}", roles=(mods,))
        await env.settle()
        for path, options in (
            (("drama", "add"), {"catalog": "secretary-kim"}),
            (("drama", "events"), {"drama": "Secretary Kim", "state": "on"}),
            (("drama", "threads"), {"drama": "Secretary Kim",
                                    "channel": guild.default_channel_id}),
        ):  # fmt: skip
            itx = await env.fake.slash(guild.id, guild.default_channel_id, mod, *path,
                                       options=options)  # fmt: skip
            await itx.reply_text()
        guilds[shard] = guild.id
    start = len(env.fake.requests)
    await env.restart(shard_count=2, shard_ids="0")
    mine = (await service(env).dramas(guilds[0]))[0].drama_id
    await env.fake.wait_for_request("GET", EVENTS, after=start)
    await env.settle(10)
    listed_guilds = {r.path.split("/")[2] for r in env.fake.find_requests("GET", EVENTS)[-1:]}
    assert listed_guilds == {str(guilds[0])}
    assert env.running.scheduler.job_ids("airthreads:") == [f"airthreads:{mine}"]
    assert env.running.scheduler.job_ids("airevents:") == [f"airevents:{mine}"]
    await env.advance_to(EP1)

    async def thread_opened() -> bool:
        return env.fake.threads(guilds[0]) != []

    await until(thread_opened, "shard 0's episode thread")
    await env.advance_to(EP1 + RUNTIME + timedelta(seconds=1))

    async def moved_on() -> bool:
        return len(env.fake.scheduled_events(guilds[0], finished=False)) == 2 and any(
            datetime.fromisoformat(e["scheduled_start_time"]) == EP3
            for e in env.fake.scheduled_events(guilds[0], finished=False)
        )

    await until(moved_on, "shard 0's server moved on to episode 3")
    assert env.fake.threads(guilds[1]) == []
    theirs = env.fake.scheduled_events(guilds[1], finished=False)
    assert [datetime.fromisoformat(e["scheduled_start_time"]) for e in theirs] == [EP1, EP2]


async def test_an_event_a_person_deleted_stays_deleted_until_turned_on_again(
    env: BotEnv,
) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    env.fake.delete_scheduled_event(int(listed(env)[0]["id"]))
    await env.reply(env.mod_id, "drama", "edit", drama=str(added), title="Secretary Kim")

    async def reported() -> bool:
        lines = await service(env).problem_lines(env.guild_id)
        return any("Someone deleted the scheduled event" in line for line in lines)

    await until(reported, "the deleted event reported")
    assert [e["name"] for e in listed(env)] == ["Secretary Kim · Episode 2"]
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    assert [e["name"] for e in listed(env)] == [
        "Secretary Kim · Episode 1",
        "Secretary Kim · Episode 2",
    ]
    assert await service(env).problem_lines(env.guild_id) == []


async def test_a_crash_while_creating_never_makes_a_second_event(env: BotEnv) -> None:
    added = await add_drama(env)
    gate = env.fake.gate("POST", EVENTS)
    await env.slash(env.mod_id, "drama", "events", drama=str(added), state="on")
    await gate.next()
    await env.stop()  # the bot dies with episode 1's event claimed and its create in flight
    gate.open()  # ...which Discord then carries out
    await env.start()

    async def settled() -> bool:
        return len(listed(env)) == 2

    await until(settled, "the start-up sync")
    await env.restart()
    await env.settle(10)
    assert [e["name"] for e in listed(env)] == [
        "What's Wrong with Secretary Kim · Episode 1",
        "What's Wrong with Secretary Kim · Episode 2",
    ]
    assert len(env.fake.find_requests("POST", EVENTS)) == 2


async def test_a_special_with_a_long_title_gets_an_event_discord_accepts(env: BotEnv) -> None:
    added = await add_drama(env)
    title = "Behind the scenes " + "x" * 82  # the longest special title /drama edit takes
    assert len(title) == 100
    text = await env.reply(env.mod_id, "drama", "edit", drama=str(added),
                           special_at="2018-06-06 23:00", special_title=title)  # fmt: skip
    assert "special" in text.lower()
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on", count=3)
    await wait_for_starts(env, EP1, datetime(2018, 6, 6, 14, 0, tzinfo=UTC), EP2)
    special = listed(env)[1]
    assert len(special["name"]) <= 100
    assert "Behind the scenes" in special["name"]
    assert await service(env).problem_lines(env.guild_id) == []


async def test_events_off_without_the_permission_says_what_to_grant(env: BotEnv) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    no_events = ALL_PERMISSIONS & ~CREATE_EVENTS & ~MANAGE_EVENTS & ~(1 << 3)
    env.fake.set_bot_permissions(env.guild_id, no_events)
    await env.settle()
    itx = await env.slash(env.mod_id, "drama", "events", drama=str(added), state="off")
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "are off, but I could not delete its upcoming events" in text
    assert "Create Events" in text
    assert len(listed(env)) == 2  # Discord kept them; granted again, they go
    env.fake.set_bot_permissions(env.guild_id, ALL_PERMISSIONS & ~(1 << 3))
    await env.settle()
    await env.reply(env.mod_id, "drama", "skip", drama=str(added), date="2018-06-07")

    async def deleted() -> bool:
        return listed(env) == []

    await until(deleted, "the events deleted once Discord lets me")


async def test_removing_a_drama_forgets_its_events_problem(env: BotEnv) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    env.fake.delete_scheduled_event(int(listed(env)[0]["id"]))
    await env.reply(env.mod_id, "drama", "edit", drama=str(added), runtime=75)

    async def reported() -> bool:
        lines = await service(env).problem_lines(env.guild_id)
        return any("Someone deleted the scheduled event" in line for line in lines)

    await until(reported, "the deleted event reported")
    await env.reply(env.mod_id, "drama", "remove", drama=str(added))

    async def none_left() -> bool:
        return listed(env) == []

    await until(none_left, "events of the removed drama deleted")
    assert await service(env).problem_lines(env.guild_id) == []
    assert "Someone deleted" not in await env.reply(env.mod_id, "config", "show")


async def test_a_finished_drama_no_longer_holds_room_for_events(env: BotEnv) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "edit", drama=str(added), episodes=2)
    text = await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on", count=99)
    assert "the next 2 episodes (all that are left)" in text
    await env.advance_to(EP2 + RUNTIME + timedelta(minutes=1))  # its last episode has ended

    async def ended() -> bool:
        return listed(env) == []

    await until(ended, "the finished drama's events ended")
    text = await env.reply(
        env.mod_id, "drama", "add", title="Harbor Nights", network="KBS",
        days="Mon", time="22:00", premiere="2018-06-11", episodes=16,
    )  # fmt: skip
    assert "Added" in text
    other = await drama_id(env, "Harbor Nights")
    itx = await env.slash(env.mod_id, "drama", "events", drama=str(other), state="on", count=2)
    assert "the next 2 episodes" in await itx.reply_text()
    assert [e["name"] for e in listed(env)] == [
        "Harbor Nights · Episode 1",
        "Harbor Nights · Episode 2",
    ]


async def test_a_server_that_removed_the_bot_gets_no_more_event_syncs_or_warnings(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    added = await add_drama(env)
    await env.reply(env.mod_id, "drama", "events", drama=str(added), state="on")
    await wait_for_starts(env, EP1, EP2)
    env.fake.remove_bot(env.guild_id)

    async def gone() -> bool:
        return env.running.get_guild(env.guild_id) is None

    await until(gone, "the bot forgot the server")
    caplog.set_level(logging.DEBUG, logger="cogs.airtime")
    since = len(env.fake.requests)
    await env.advance_to(EP1 + RUNTIME + timedelta(minutes=1))  # the job to end episode 1
    for minutes in (6, 12, 18):  # well past a retry's 5 minutes, three times
        await env.advance_to(EP1 + RUNTIME + timedelta(minutes=minutes))
    event_calls = [r for r in env.fake.requests[since:] if re.search(EVENTS, r.path)]
    assert event_calls == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
