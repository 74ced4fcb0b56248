"""`/drama undo` (pre-emptions, moves, specials) and the unmentionable ping role warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidInput
from cogs.airtime.changes import Change, edit_notice, parse_change, undo_notice
from cogs.airtime.schedule import Special, episode_list
from tests.airtime.helpers import (
    EP1,
    EP2,
    MSG,
    dramas,
    exceptions,
    ledger,
    posts,
    setup_announced,
)
from tests.airtime.test_logic import kst, secretary_kim
from tests.fakediscord.state import ADMINISTRATOR, ALL_PERMISSIONS, MENTION_EVERYONE
from tests.harness import BotEnv, no_pings

EP2_UNIX = int(EP2.timestamp())


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("skip:2018-06-07", ("skip", "2018-06-07")),
        (" 2018-06-07 ", ("skip", "2018-06-07")),
        ("move:3", ("move", "3")),
        ("3", ("move", "3")),
        ("special:12", ("special", "12")),
    ],
)
def test_parse_change(text: str, parsed: tuple[str, str]) -> None:
    assert parse_change(text) == parsed


@pytest.mark.parametrize(
    "text", ["", "skip:2018-02-30", "move:x", "special:²", "move:" + "9" * 30, "bogus:1", "²"]
)
def test_parse_change_rejects(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_change(text)


async def test_unskip_restores_the_episode_its_announcements_and_tells_fans(env: BotEnv) -> None:
    drama_id, channel, _ = await setup_announced(env, remind="none")
    await env.reply(env.mod_id, "drama", "skip", drama="Secretary Kim", date="2018-06-07")
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.mod_id, ("drama", "undo"), focused="change",
        value="", options={"drama": str(drama_id)},
    )  # fmt: skip
    assert choices == [{"name": "No episode on Thu 2018-06-07", "value": "skip:2018-06-07"}]
    start = len(env.fake.requests)
    itx = await env.slash(env.mod_id, "drama", "undo", drama="Secretary Kim",
                          change="skip:2018-06-07")  # fmt: skip
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "Undone: No episode on Thu 2018-06-07" in text
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "The pre-emption is cancelled; episode 2 now airs" in rec.json["content"]
    assert f"<t:{EP2_UNIX}:F> (Thu 2018-06-07 21:30 KST)" in rec.json["content"]
    assert no_pings(rec.json)
    assert await exceptions(env) == []
    await env.advance_to(EP1)
    start = len(env.fake.requests)
    await env.advance_to(EP2)
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "episode 2 is on air now" in rec.json["content"]
    assert "late" not in rec.json["content"]


async def test_undo_a_move_and_a_special(env: BotEnv) -> None:
    drama_id, channel, _ = await setup_announced(env, remind="30")
    await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim", move_episode=2,
                    move_to="2018-06-08 23:00")  # fmt: skip
    await env.reply(env.mod_id, "drama", "edit", drama="Secretary Kim",
                    special_at="2018-06-09 20:00", special_title="Recap")  # fmt: skip
    special_id = (await dramas(env))[0].specials[0].special_id
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.mod_id, ("drama", "undo"), focused="change",
        value="", options={"drama": str(drama_id)},
    )  # fmt: skip
    assert [c["value"] for c in choices] == ["move:2", f"special:{special_id}"]
    start = len(env.fake.requests)
    text = await env.reply(env.mod_id, "drama", "undo", drama="Secretary Kim", change="2")
    assert "Undone: Episode 2 moved to Fri 2018-06-08 23:00 KST" in text
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert f"The move is undone; episode 2 now airs <t:{EP2_UNIX}:F>" in rec.json["content"]
    start = len(env.fake.requests)
    text = await env.reply(env.mod_id, "drama", "undo", drama="Secretary Kim",
                           change=f"special:{special_id}")  # fmt: skip
    assert "Undone: Special Sat 2018-06-09 20:00 KST: Recap" in text
    rec = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "special “Recap” on <t:" in rec.json["content"]
    assert "is cancelled" in rec.json["content"]
    assert no_pings(rec.json)
    assert await exceptions(env) == []
    # Episode 2 is back in its slot; nothing is announced for the cancelled special.
    for moment in (EP1 - timedelta(minutes=30), EP1, EP2 - timedelta(minutes=30), EP2):
        start = len(env.fake.requests)
        await env.advance_to(moment)
        await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    await env.advance_to(datetime(2018, 6, 9, 11, 5, tzinfo=UTC))
    await env.settle(10)
    contents = [p.json["content"] for p in posts(env, channel)]
    assert not any("Recap" in c and ("⏰" in c or "on air now" in c) for c in contents)
    moved_at = int(datetime(2018, 6, 8, 14, 0, tzinfo=UTC).timestamp())
    assert contents[0].startswith("📢 Schedule change for **What's Wrong with Secretary Kim**")
    assert f"episode 2 now airs <t:{moved_at}:F> (Fri 2018-06-08 23:00 KST)" in contents[0]
    assert "special “Recap” airs <t:" in contents[1]
    assert [row for row in await ledger(env) if row[0].startswith("sp")] == []
    assert ("2", "onair", "sent") in await ledger(env)


async def test_undo_of_an_unknown_change_changes_nothing(env: BotEnv) -> None:
    await setup_announced(env, remind="none")
    await env.reply(env.mod_id, "drama", "skip", drama="Secretary Kim", date="2018-06-07")
    before = await exceptions(env)
    for change in ("skip:2018-06-13", "move:3", "special:99", "2018-02-30", "<@&1>"):
        itx = await env.slash(env.mod_id, "drama", "undo", drama="Secretary Kim", change=change)
        text = await itx.reply_text()
        assert itx.is_ephemeral
        assert "no such change" in text or "Pick the change" in text or "not a valid" in text
    assert await exceptions(env) == before
    itx = await env.slash(env.fan_id, "drama", "undo", drama="Secretary Kim", change="2018-06-07")
    assert "for moderators" in await itx.reply_text()
    assert await exceptions(env) == before


async def test_unmentionable_role_is_flagged_in_announce_and_config(env: BotEnv) -> None:
    env.travel_to(datetime(2018, 6, 1, tzinfo=UTC))
    role = env.fake.add_role(env.guild_id, "fans")  # the fake's roles are not mentionable
    await env.settle()
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    text = await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                           channel=env.channel_id, role=role)  # fmt: skip
    assert "not mentionable" not in text  # the bot may mention every role
    assert "not mentionable" not in await env.reply(env.mod_id, "config", "show")
    env.fake.set_bot_permissions(env.guild_id, ALL_PERMISSIONS & ~MENTION_EVERYONE & ~ADMINISTRATOR)
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                           channel=env.channel_id, role=role)  # fmt: skip
    assert f"<@&{role}> is not mentionable" in text
    config = await env.reply(env.mod_id, "config", "show")
    assert "What's Wrong with Secretary Kim" in config
    assert "is not mentionable" in config


def test_undoing_a_special_that_took_a_slot_names_the_episode_back_in_it() -> None:
    special = Special(4, kst(2018, 6, 7), "Recap")
    before = episode_list(secretary_kim(specials=(special,)))
    after = episode_list(secretary_kim())
    now = kst(2018, 6, 6, 23, 0)
    text = undo_notice("Kim", Change("special", "4", "x"), before, after, now)
    assert text is not None
    assert text.startswith("📢 The **Kim** special “Recap” on <t:")
    assert f"is cancelled; episode 2 now airs <t:{EP2_UNIX}:F> (Thu 2018-06-07 21:30 KST)." in text
    assert undo_notice("Kim", Change("special", "4", "x"), before, after, kst(2018, 8, 1)) is None


def test_edit_notice_only_for_upcoming_changes() -> None:
    base = episode_list(secretary_kim())
    now = kst(2018, 6, 6, 23, 0)
    assert edit_notice("Kim", base, base, now) is None
    assert edit_notice("Kim", base, episode_list(secretary_kim(episodes=18)), now) is None
    moved = episode_list(secretary_kim(moves={1: kst(2018, 6, 1), 3: kst(2018, 6, 15, 23, 0)}))
    text = edit_notice("Kim", base, moved, now)
    assert text is not None
    assert text.endswith("episode 3 now airs <t:1529071200:F> (Fri 2018-06-15 23:00 KST).")
    late_special = Special(9, kst(2018, 6, 1), "Old")
    with_old = episode_list(secretary_kim(specials=(late_special,)))
    assert edit_notice("Kim", base, with_old, now) is None
