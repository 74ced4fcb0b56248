"""Self-test: guild scheduled events refuse what Discord refuses and reach the gateway."""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
import pytest
import time_machine

from tests.fakediscord import FakeDiscord
from tests.fakediscord.state import CREATE_EVENTS, MANAGE_EVENTS, VIEW_CHANNEL
from tests.fakediscord_selftest.clients import (
    PlainClient,
    intents,
    point_discord_py_at,
    rest,
    running,
)

HOUR = dt.timedelta(hours=1)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def external(**overrides: Any) -> dict[str, Any]:
    """A create body Discord accepts: an EXTERNAL event an hour from now."""
    start = now() + HOUR
    body: dict[str, Any] = {
        "name": "E9 · Secretary Kim",
        "privacy_level": 2,
        "entity_type": 3,
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + HOUR).isoformat(),
        "entity_metadata": {"location": "tvN"},
        "description": "Episode 9",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture
def dpy(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> FakeDiscord:
    point_discord_py_at(fake, monkeypatch)
    return fake


async def test_discord_py_creates_edits_and_deletes_an_external_event(dpy: FakeDiscord) -> None:
    gid = dpy.add_guild().id
    client = PlainClient(intents=intents())
    async with running(client, dpy):
        guild = client.get_guild(gid)
        assert guild is not None
        start = now() + HOUR
        event = await guild.create_scheduled_event(
            name="E9 · Secretary Kim",
            start_time=start,
            end_time=start + HOUR,
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="tvN",
            description="Episode 9 (finale next week)",
        )
        stored = dpy.scheduled_event(event.id)
        assert stored is not None
        assert stored["entity_metadata"] == {"location": "tvN"}
        assert stored["creator_id"] == str(dpy.bot_user_id)
        assert stored["status"] == 1
        await dpy.sync()
        assert guild.get_scheduled_event(event.id) is not None  # GUILD_SCHEDULED_EVENT_CREATE
        later = start + 2 * HOUR
        await event.edit(start_time=later, end_time=later + HOUR, location="Netflix")
        stored = dpy.scheduled_event(event.id)
        assert stored is not None
        assert stored["scheduled_start_time"] == later.isoformat()
        assert stored["entity_metadata"] == {"location": "Netflix"}
        fetched = await guild.fetch_scheduled_events()
        assert [e.id for e in fetched] == [event.id]
        await event.delete()
        assert dpy.scheduled_event(event.id) is None
        events = [d.event for d in dpy.deliveries() if d.event.startswith("GUILD_SCHEDULED")]
        assert events == [
            "GUILD_SCHEDULED_EVENT_CREATE",
            "GUILD_SCHEDULED_EVENT_UPDATE",
            "GUILD_SCHEDULED_EVENT_DELETE",
        ]


async def test_discord_py_without_entity_type_and_privacy_level_is_refused(
    dpy: FakeDiscord,
) -> None:
    gid = dpy.add_guild().id
    client = PlainClient(intents=intents())
    async with running(client, dpy):
        guild = client.get_guild(gid)
        assert guild is not None
        start = now() + HOUR
        with pytest.raises(discord.HTTPException) as raised:
            # discord.py infers EXTERNAL from the location but then sends no entity_type
            await guild.create_scheduled_event(
                name="E9", start_time=start, end_time=start + HOUR, location="tvN"
            )
        assert raised.value.code == 50035
        assert dpy.scheduled_events(gid) == []
    assert sorted(v.split(": ", 1)[1] for v in dpy.violations) == [
        "entity_type: This field is required",
        "privacy_level: This field is required",
    ]
    dpy.violations.clear()


BAD: list[tuple[dict[str, Any], str]] = [
    (external(name=""), "name"),
    (external(name="x" * 101), "name"),
    (external(name=...), "name"),
    (external(description="d" * 1001), "description"),
    (external(privacy_level=1), "privacy_level"),
    (external(privacy_level=...), "privacy_level"),
    (external(entity_type=...), "entity_type"),
    (external(entity_type=7), "entity_type"),
    (external(entity_metadata=...), "entity_metadata"),
    (external(entity_metadata={"location": ""}), "entity_metadata.location"),
    (external(entity_metadata={"location": "x" * 101}), "entity_metadata.location"),
    (external(scheduled_end_time=...), "scheduled_end_time"),
    (external(scheduled_end_time=now().isoformat()), "scheduled_end_time"),
    (external(scheduled_start_time=(now() - HOUR).isoformat()), "scheduled_start_time"),
    (external(scheduled_start_time="next thursday"), "scheduled_start_time"),
    (external(channel_id="1"), "channel_id"),
    (external(entity_type=2, entity_metadata=None), "channel_id"),
]


@pytest.mark.parametrize(("body", "where"), BAD)
async def test_create_refuses_what_discord_refuses(
    fake: FakeDiscord, body: dict[str, Any], where: str
) -> None:
    gid = fake.add_guild().id
    status, answer = await rest(fake, "POST", f"/guilds/{gid}/scheduled-events", body)
    assert (status, answer["code"]) == (400, 50035)
    node = answer["errors"]
    for part in where.split("."):
        node = node[part]
    assert node["_errors"]
    assert fake.scheduled_events(gid) == []
    assert fake.violations
    fake.violations.clear()


async def test_create_accepts_the_limits(fake: FakeDiscord) -> None:
    gid = fake.add_guild().id
    body = external(name="n" * 100, description="d" * 1000, entity_metadata={"location": "l" * 100})
    status, answer = await rest(fake, "POST", f"/guilds/{gid}/scheduled-events", body)
    assert status == 200, answer
    assert answer["status"] == 1
    assert answer["privacy_level"] == 2


async def test_status_moves_only_the_documented_way(fake: FakeDiscord) -> None:
    gid = fake.add_guild().id
    base = f"/guilds/{gid}/scheduled-events"
    first = (await rest(fake, "POST", base, external()))[1]["id"]
    second = (await rest(fake, "POST", base, external()))[1]["id"]

    async def move(event_id: str, status: int) -> tuple[int, Any]:
        return await rest(fake, "PATCH", f"{base}/{event_id}", {"status": status})

    refused = []
    refused.append(await move(first, 3))  # SCHEDULED -> COMPLETED
    assert (await move(first, 2))[0] == 200
    refused += [await move(first, 1), await move(first, 4)]  # ACTIVE -> SCHEDULED, CANCELED
    for status, answer in refused:
        assert (status, answer["code"], list(answer["errors"])) == (400, 50035, ["status"])
    assert (await move(first, 3))[0] == 200
    assert (await move(second, 4))[0] == 200
    for event_id in (first, second):
        status, answer = await rest(fake, "PATCH", f"{base}/{event_id}", {"name": "again"})
        assert (status, answer["code"]) == (400, 180000)
    assert (await rest(fake, "GET", base))[1] == []  # finished events leave the list
    assert (await rest(fake, "GET", f"{base}/{first}"))[1]["status"] == 3
    statuses = [e["status"] for e in fake.scheduled_events(gid)]
    assert sorted(statuses) == [3, 4]
    fake.violations.clear()


async def test_creating_needs_create_events_and_editing_others_needs_manage_events(
    fake: FakeDiscord,
) -> None:
    gid = fake.add_guild().id
    base = f"/guilds/{gid}/scheduled-events"
    members_event = fake.add_scheduled_event(gid, "Fan watch party")
    for perms in (VIEW_CHANNEL, VIEW_CHANNEL | MANAGE_EVENTS):
        fake.set_bot_permissions(gid, perms)
        status, answer = await rest(fake, "POST", base, external())
        assert (status, answer["code"]) == (403, 50013)
    fake.set_bot_permissions(gid, VIEW_CHANNEL | CREATE_EVENTS)
    status, own = await rest(fake, "POST", base, external())
    assert status == 200
    assert (await rest(fake, "PATCH", f"{base}/{own['id']}", {"name": "mine"}))[0] == 200
    status, answer = await rest(fake, "PATCH", f"{base}/{members_event}", {"name": "theirs"})
    assert (status, answer["code"]) == (403, 50013)
    assert (await rest(fake, "DELETE", f"{base}/{members_event}"))[0] == 403
    fake.set_bot_permissions(gid, VIEW_CHANNEL | MANAGE_EVENTS)
    assert (await rest(fake, "PATCH", f"{base}/{members_event}", {"name": "ok"}))[0] == 200
    assert (await rest(fake, "DELETE", f"{base}/{own['id']}"))[0] == 204
    status, answer = await rest(fake, "GET", f"{base}/{own['id']}")
    assert (status, answer["code"]) == (404, 10070)


async def test_a_guild_holds_at_most_100_open_events(fake: FakeDiscord) -> None:
    gid = fake.add_guild().id
    base = f"/guilds/{gid}/scheduled-events"
    ids = [fake.add_scheduled_event(gid, f"party {n}") for n in range(99)]
    assert (await rest(fake, "POST", base, external()))[0] == 200
    status, answer = await rest(fake, "POST", base, external())
    assert (status, answer["code"]) == (400, 30038)
    assert answer["message"] == "Maximum number of uncompleted guild scheduled events reached (100)"
    assert (await rest(fake, "PATCH", f"{base}/{ids[0]}", {"status": 4}))[0] == 200
    assert (await rest(fake, "POST", base, external()))[0] == 200


async def test_events_reach_only_sessions_with_the_intent(dpy: FakeDiscord) -> None:
    gid = dpy.add_guild().id
    without = intents()
    without.guild_scheduled_events = False
    async with running(PlainClient(intents=without), dpy):
        status, _ = await rest(dpy, "POST", f"/guilds/{gid}/scheduled-events", external())
        assert status == 200
        await dpy.sync()
        assert dpy.deliveries("GUILD_SCHEDULED_EVENT_CREATE") == []
        assert [e for e, _ in dpy.gateway.dropped_events][-1] == "GUILD_SCHEDULED_EVENT_CREATE"


async def test_discord_starts_and_ends_external_events_on_time(dpy: FakeDiscord) -> None:
    gid = dpy.add_guild().id
    start = now() + HOUR
    client = PlainClient(intents=intents())
    async with running(client, dpy):
        body = external(scheduled_start_time=start.isoformat())
        event_id = int((await rest(dpy, "POST", f"/guilds/{gid}/scheduled-events", body))[1]["id"])
        assert dpy.update_event_statuses() == []
        with time_machine.travel(start + dt.timedelta(minutes=1), tick=True):
            assert dpy.update_event_statuses() == [(event_id, 2)]
            await dpy.sync()
            guild = client.get_guild(gid)
            assert guild is not None
            cached = guild.get_scheduled_event(event_id)
            assert cached is not None
            assert cached.status is discord.EventStatus.active
        with time_machine.travel(start + 2 * HOUR, tick=True):
            assert dpy.update_event_statuses() == [(event_id, 3)]
        forgotten = dpy.add_scheduled_event(gid, "nobody started it")
        dpy.world.guilds[gid].scheduled_events[forgotten].entity_type = 2  # a voice event
        with time_machine.travel(start + 4 * HOUR, tick=True):
            assert dpy.update_event_statuses() == [(forgotten, 4)]


async def test_interested_members_and_user_counts(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    fans = [fake.add_member(guild.id, name=f"fan{n}") for n in range(3)]
    event_id = fake.add_scheduled_event(guild.id)
    for fan in fans:
        fake.add_event_interest(event_id, fan)
    base = f"/guilds/{guild.id}/scheduled-events"
    (listed,) = (await rest(fake, "GET", f"{base}?with_user_count=true"))[1]
    assert listed["user_count"] == 3
    assert "user_count" not in (await rest(fake, "GET", f"{base}/{event_id}"))[1]
    users = (await rest(fake, "GET", f"{base}/{event_id}/users?limit=2&with_member=true"))[1]
    assert [u["user"]["id"] for u in users] == [str(f) for f in sorted(fans)[:2]]
    assert all("member" in u for u in users)
