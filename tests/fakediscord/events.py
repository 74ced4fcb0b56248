"""Guild scheduled events (API v10) as Discord documents them: routes, rules, automation.

Creating needs CREATE_EVENTS (since February 2026 MANAGE_EVENTS alone no longer creates for
bots); editing or deleting needs MANAGE_EVENTS, or CREATE_EVENTS for events the bot created.
EXTERNAL events need a location (1-100) and an end time; ``privacy_level`` must be 2; the start
must lie in the future; statuses move SCHEDULED -> ACTIVE -> COMPLETED or SCHEDULED -> CANCELED.
A guild holds at most 100 SCHEDULED or ACTIVE events.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from .builders import member_payload, scheduled_event_payload, user_payload
from .rest_types import HttpError, Reply, Req, forbidden
from .state import (
    CONNECT,
    CREATE_EVENTS,
    GUILD_STAGE_VOICE,
    GUILD_VOICE,
    MANAGE_CHANNELS,
    MANAGE_EVENTS,
    MOVE_MEMBERS,
    MUTE_MEMBERS,
    VIEW_CHANNEL,
    FakeGuild,
    ScheduledEvent,
    World,
    utc_now,
)
from .validate import Problem, _length

if TYPE_CHECKING:
    from .server import RestApi

STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
GUILD_ONLY = 2
MAX_OPEN_EVENTS = 100
TRANSITIONS = {(SCHEDULED, ACTIVE), (ACTIVE, COMPLETED), (SCHEDULED, CANCELED)}
CHANNEL_TYPES = {STAGE_INSTANCE: GUILD_STAGE_VOICE, VOICE: GUILD_VOICE}
# what the bot needs in the event's channel, besides CREATE_EVENTS / MANAGE_EVENTS
CHANNEL_NEEDS = {
    STAGE_INSTANCE: MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS,
    VOICE: VIEW_CHANNEL | CONNECT,
}
STALE_AFTER = dt.timedelta(hours=3)  # an unstarted event is canceled "after a few hours"
_EVENTS = r"/guilds/(?P<g>\d+)/scheduled-events"
_EVENT = _EVENTS + r"/(?P<e>\d+)"


def _time(body: dict[str, Any], key: str, problems: list[Problem]) -> dt.datetime | None:
    raw = body.get(key)
    if raw is None:
        return None
    try:
        value = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        problems.append(Problem((key,), "DATE_TIME_TYPE_PARSE", f"Could not parse {raw!r}."))
        return None
    return value.astimezone(dt.UTC)


def _required(key: str) -> Problem:
    return Problem((key,), "BASE_TYPE_REQUIRED", "This field is required")


def _text_problems(body: dict[str, Any], creating: bool) -> list[Problem]:
    problems: list[Problem] = []
    if creating or "name" in body:
        problems += _length(("name",), body.get("name"), 1, 100)
    if body.get("description") is not None:
        problems += _length(("description",), body["description"], 0, 1000)
    if creating or "privacy_level" in body:
        level = body.get("privacy_level")
        if level is None:
            problems.append(_required("privacy_level"))
        elif level != GUILD_ONLY:
            msg = "Invalid privacy level for event."
            problems.append(Problem(("privacy_level",), "GUILD_SCHEDULED_EVENT_PRIVACY", msg))
    return problems


def _entity_problems(body: dict[str, Any], current: ScheduledEvent | None) -> list[Problem]:
    """Field requirements by entity type (channel, location, end) of the event after the change."""
    creating = current is None
    kind = (
        body.get("entity_type") if current is None or "entity_type" in body else current.entity_type
    )
    if kind is None:
        return [_required("entity_type")]
    if kind not in (STAGE_INSTANCE, VOICE, EXTERNAL):
        return [Problem(("entity_type",), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")]
    fresh = current is None or kind != current.entity_type  # its fields must all come now
    if kind != EXTERNAL:
        given = fresh or "channel_id" in body
        channel = body.get("channel_id") if given or current is None else current.channel_id
        return [] if channel is not None else [_required("channel_id")]
    problems = _external_problems(body, fresh)
    if fresh and not creating and "channel_id" not in body:
        problems.append(_required("channel_id"))  # switching to EXTERNAL: set it to null
    return problems


def _external_problems(body: dict[str, Any], fresh: bool) -> list[Problem]:
    problems: list[Problem] = []
    if body.get("channel_id") is not None:
        msg = "channel_id must be null for an EXTERNAL event"
        problems.append(Problem(("channel_id",), "GUILD_SCHEDULED_EVENT_CHANNEL", msg))
    if fresh or "entity_metadata" in body:
        metadata = body.get("entity_metadata")
        if not isinstance(metadata, dict):
            problems.append(_required("entity_metadata"))
        else:
            problems += _length(("entity_metadata", "location"), metadata.get("location"), 1, 100)
    if (fresh or "scheduled_end_time" in body) and body.get("scheduled_end_time") is None:
        problems.append(_required("scheduled_end_time"))
    return problems


def _time_problems(
    body: dict[str, Any], current: ScheduledEvent | None, now: dt.datetime
) -> list[Problem]:
    problems: list[Problem] = []
    start = _time(body, "scheduled_start_time", problems)
    end = _time(body, "scheduled_end_time", problems)
    if current is None and body.get("scheduled_start_time") is None:
        problems.append(_required("scheduled_start_time"))
    if start is not None and start <= now and (current is None or current.status == SCHEDULED):
        msg = "Cannot schedule event in the past."
        problems.append(Problem(("scheduled_start_time",), "GUILD_SCHEDULED_EVENT_PAST", msg))
    start = start or (current.start if current else None)
    if "scheduled_end_time" not in body and current is not None:
        end = current.end
    if start is not None and end is not None and end <= start:
        msg = "Cannot schedule event to end before starting."
        problems.append(Problem(("scheduled_end_time",), "GUILD_SCHEDULED_EVENT_END", msg))
    return problems


def event_problems(
    body: dict[str, Any], current: ScheduledEvent | None, now: dt.datetime
) -> list[Problem]:
    """What Discord refuses in a create (``current`` None) or a modify of ``current``."""
    problems = _text_problems(body, current is None)
    problems += _entity_problems(body, current)
    problems += _time_problems(body, current, now)
    return problems + _status_problems(body, current)


def _status_problems(body: dict[str, Any], current: ScheduledEvent | None) -> list[Problem]:
    """SCHEDULED -> ACTIVE -> COMPLETED, or SCHEDULED -> CANCELED; nothing else."""
    status = body.get("status")
    if current is None or status in (None, current.status):
        return []
    if (current.status, status) in TRANSITIONS:
        return []
    msg = f"Cannot change status from {current.status} to {status}"
    return [Problem(("status",), "GUILD_SCHEDULED_EVENT_STATUS", msg)]


def apply_changes(event: ScheduledEvent, body: dict[str, Any]) -> None:
    """Apply a validated create or modify body."""
    simple = {"name": "name", "description": "description", "privacy_level": "privacy_level"}
    for key, attr in simple.items():
        if key in body:
            setattr(event, attr, body[key])
    for key, attr in (("scheduled_start_time", "start"), ("scheduled_end_time", "end")):
        if key in body:
            setattr(event, attr, _time(body, key, []))
    if "entity_type" in body:
        event.entity_type = int(body["entity_type"])
    if "channel_id" in body:
        event.channel_id = int(body["channel_id"]) if body["channel_id"] else None
    if event.entity_type == EXTERNAL:
        metadata = body.get("entity_metadata")
        if isinstance(metadata, dict):
            event.location = metadata.get("location")
    else:
        event.location = None  # Discord silently drops metadata of non-EXTERNAL events
    if body.get("status") is not None:
        event.status = int(body["status"])


def automation(event: ScheduledEvent, now: dt.datetime) -> list[int]:
    """Discord's own status moves due at ``now``: the statuses ``event`` passes through."""
    moves = []
    if event.entity_type == EXTERNAL and event.status == SCHEDULED and event.start <= now:
        moves.append(ACTIVE)
    status = moves[-1] if moves else event.status
    if event.entity_type == EXTERNAL and status == ACTIVE and event.end and event.end <= now:
        moves.append(COMPLETED)
    if status == SCHEDULED and event.start + STALE_AFTER <= now:
        moves.append(CANCELED)
    return moves


class EventRoutes:
    """List, create, read, modify and delete scheduled events; list interested users."""

    def __init__(self, rest: RestApi) -> None:
        self.rest = rest
        self.fake = rest.fake
        self.world: World = rest.world
        r = rest._route
        r("GET", _EVENTS, self.list_events)
        r("POST", _EVENTS, self.create)
        r("GET", _EVENT, self.get)
        r("PATCH", _EVENT, self.modify)
        r("DELETE", _EVENT, self.delete)
        r("GET", _EVENT + r"/users", self.users)

    def _event(self, guild: FakeGuild, event_id: int) -> ScheduledEvent:
        event = guild.scheduled_events.get(event_id)
        if event is None:
            raise HttpError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    def _check_permissions(
        self, guild: FakeGuild, kind: int, channel_id: int | None, event_bits: int
    ) -> None:
        """The bot holds one of ``event_bits`` (guild level, or in the event's channel)."""
        bot = self.fake.bot_user_id
        if kind == EXTERNAL or channel_id is None:
            perms = self.world.guild_permissions(guild, bot)
            needs = 0
        else:
            channel = self.world.channels.get(channel_id)
            if channel is None or channel.guild_id != guild.id:
                raise HttpError(404, 10003, "Unknown Channel")
            if channel.type != CHANNEL_TYPES[kind]:
                raise HttpError(400, 50024, "Cannot execute action on this channel type")
            perms = self.world.channel_permissions(channel_id, bot)
            needs = CHANNEL_NEEDS[kind]
        if not perms & event_bits or perms & needs != needs:
            raise forbidden()

    def _emit(self, event: str, data: ScheduledEvent) -> None:
        self.fake._emit(event, scheduled_event_payload(self.world, data))

    async def list_events(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self.rest._guild(int(m["g"]))
        counts = req.query.get("with_user_count", "").lower() in ("true", "1")
        events = sorted((e for e in guild.scheduled_events.values() if e.open), key=lambda e: e.id)
        body = [scheduled_event_payload(self.world, e, with_user_count=counts) for e in events]
        return Reply(body=body)

    async def get(self, req: Req, m: re.Match[str]) -> Reply:
        event = self._event(self.rest._guild(int(m["g"])), int(m["e"]))
        counts = req.query.get("with_user_count", "").lower() in ("true", "1")
        return Reply(body=scheduled_event_payload(self.world, event, with_user_count=counts))

    async def create(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self.rest._guild(int(m["g"]))
        body = req.json if isinstance(req.json, dict) else {}
        self.rest.check(req, event_problems(body, None, utc_now()))
        kind = int(body["entity_type"])
        channel_id = int(body["channel_id"]) if body.get("channel_id") else None
        self._check_permissions(guild, kind, channel_id, CREATE_EVENTS)
        if sum(e.open for e in guild.scheduled_events.values()) >= MAX_OPEN_EVENTS:
            msg = "Maximum number of uncompleted guild scheduled events reached (100)"
            raise HttpError(400, 30038, msg)
        start = _time(body, "scheduled_start_time", [])
        assert start is not None
        event = ScheduledEvent(
            id=self.fake.snowflake(),
            guild_id=guild.id,
            name=body["name"],
            entity_type=kind,
            start=start,
            end=None,
            creator_id=self.fake.bot_user_id,
        )
        apply_changes(event, body)
        guild.scheduled_events[event.id] = event
        self._emit("GUILD_SCHEDULED_EVENT_CREATE", event)
        return Reply(body=scheduled_event_payload(self.world, event))

    def _check_edit(self, guild: FakeGuild, event: ScheduledEvent) -> None:
        own = event.creator_id == self.fake.bot_user_id
        bits = MANAGE_EVENTS | (CREATE_EVENTS if own else 0)
        self._check_permissions(guild, event.entity_type, event.channel_id, bits)

    async def modify(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self.rest._guild(int(m["g"]))
        event = self._event(guild, int(m["e"]))
        self._check_edit(guild, event)
        if not event.open:
            raise HttpError(400, 180000, "Cannot update a finished event")
        body = req.json if isinstance(req.json, dict) else {}
        self.rest.check(req, event_problems(body, event, utc_now()))
        apply_changes(event, body)
        self._emit("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return Reply(body=scheduled_event_payload(self.world, event))

    async def delete(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self.rest._guild(int(m["g"]))
        event = self._event(guild, int(m["e"]))
        self._check_edit(guild, event)
        del guild.scheduled_events[event.id]
        self._emit("GUILD_SCHEDULED_EVENT_DELETE", event)
        return Reply(204)

    async def users(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self.rest._guild(int(m["g"]))
        event = self._event(guild, int(m["e"]))
        limit = max(1, min(100, int(req.query.get("limit", 100))))
        ids = sorted(event.interested)
        if "before" in req.query:
            ids = [u for u in ids if u < int(req.query["before"])][-limit:]
        else:
            ids = [u for u in ids if u > int(req.query.get("after", 0))][:limit]
        with_member = req.query.get("with_member", "").lower() in ("true", "1")
        out = []
        for uid in ids:
            entry: dict[str, Any] = {
                "guild_scheduled_event_id": str(event.id),
                "user": user_payload(self.world.users[uid]),
            }
            if with_member and uid in guild.members:
                entry["member"] = member_payload(self.world, guild, guild.members[uid])
            out.append(entry)
        return Reply(body=out)
