"""What the airtime tests share: the catalog drama's first air dates, set-up and read-outs.

Read-outs go through the feature's own service and stores (never raw SQL), so a schema
change does not break them.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from cogs.airtime.changes import changes_of
from cogs.airtime.keys import NAME
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.records import Drama
from cogs.airtime.service import AirtimeService
from tests.harness import BotEnv

MSG = r"/channels/{}/messages"
# Episode 1 of the catalog drama: Wed 2018-06-06 21:30 KST = 12:30 UTC.
EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
EP2 = datetime(2018, 6, 7, 12, 30, tzinfo=UTC)
T = TypeVar("T")


def service(env: BotEnv) -> AirtimeService:
    """The running bot's airtime service (the API its feature registered)."""
    feature = env.running.features.get(NAME)
    assert feature is not None, "airtime is not loaded"
    (api,) = feature.apis
    return cast("AirtimeService", api)


def as_loaded(kind: type[T]) -> type[T]:
    """`kind` as the running bot imported it.

    discord.py re-imports an extension's modules each time a bot loads it, so a class a
    test module imported earlier is not the one a later bot registered.
    """
    return cast("type[T]", getattr(importlib.import_module(kind.__module__), kind.__name__))


async def dramas(env: BotEnv, guild_id: int | None = None) -> list[Drama]:
    """The guild's dramas (the test guild's by default), by title."""
    return await service(env).dramas(guild_id or env.guild_id)


async def drama_id(env: BotEnv, title: str = "Secretary Kim") -> int:
    """The id of the test guild's drama called (or aliased) `title`."""
    return (await service(env).resolve(env.guild_id, title)).drama_id


async def ledger(env: BotEnv) -> list[tuple[str, str, str]]:
    """(episode key, kind, state) of every announcement of the test guild, sorted."""
    store = LedgerStore(env.running.db)
    rows = []
    for drama in await dramas(env):
        rows += [
            (key[0], key[1], row.state) for key, row in (await store.ledger(drama.drama_id)).items()
        ]
    return sorted(rows)


async def exceptions(env: BotEnv) -> list[tuple[str, str, str]]:
    """(kind, key, label) of every pre-emption, move and special of the test guild's dramas."""
    return [(c.kind, c.key, c.label) for d in await dramas(env) for c in changes_of(d)]


def posts(env: BotEnv, channel_id: int, after: int = 0) -> list[Any]:
    """The messages the bot posted in a channel (after the `after`-th request)."""
    return [
        r for r in env.fake.requests[after:]
        if r.method == "POST" and r.path == MSG.format(channel_id)
    ]  # fmt: skip


async def setup_announced(env: BotEnv, remind: str = "60,10") -> tuple[int, int, int]:
    """At 2018-06-06 10:00 UTC a moderator adds the catalog drama and announcements."""
    env.travel_to(datetime(2018, 6, 6, 10, 0, tzinfo=UTC))
    channel = env.fake.add_channel(env.guild_id, "airtime")
    role = env.fake.add_role(env.guild_id, "Secretary Kim fans")
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    assert "Added" in text
    assert "What's Wrong with Secretary Kim" in text
    added = await drama_id(env)
    itx = await env.slash(env.mod_id, "drama", "announce", drama=str(added), channel=channel,
                          role=role, remind=remind)  # fmt: skip
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "Next announcement: <t:" in text
    return added, channel, role


def assert_role_only(payload: dict[str, Any], role: int) -> None:
    """The post pings exactly `role` and nobody else."""
    allowed = payload["allowed_mentions"]
    assert allowed["parse"] == []
    assert allowed["roles"] == [str(role)] or allowed["roles"] == [role]
    assert not allowed.get("users")
    assert allowed.get("replied_user") in (None, False)
    assert payload["content"].startswith(f"<@&{role}> ")
    assert payload["content"].count("<@") == 1
