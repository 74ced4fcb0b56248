"""Permissions drift mid-run: features tell moderators, the rest keeps working, fixes clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakediscord.state import (
    BOT_DEFAULT_PERMISSIONS,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    SEND_MESSAGES,
)
from tests.harness import MANAGE_GUILD, BotEnv
from tests.integration.common import (
    assert_nothing_pings,
    member_roles,
    posts,
    until,
    votes,
    wait_votes,
)
from tests.integration.conftest import NewsSite

START = datetime(2018, 6, 6, 10, 0, tzinfo=UTC)
EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
EP2 = datetime(2018, 6, 7, 12, 30, tzinfo=UTC)
A, B = "🇦", "🇧"
ARTICLE = """<html><head><meta property="og:title" content="Secretary Kim ratings soar">
<meta property="og:description" content="What's Wrong with Secretary Kim tops its slot.">
</head><body></body></html>"""


class Guild:
    """One server of the scenario: its ids and a shortcut to run commands in it."""

    def __init__(self, env: BotEnv, guild_id: int, channel_id: int, mod_id: int) -> None:
        self.env, self.id, self.channel_id, self.mod_id = env, guild_id, channel_id, mod_id
        self.lounge = 0
        self.role = 0

    async def slash(self, user_id: int, *path: str, where: int | None = None, **opts: Any) -> Any:
        """Run a slash command in this guild (in `where`, else its default channel)."""
        return await self.env.fake.slash(
            self.id, where or self.channel_id, user_id, *path, options=opts
        )

    async def reply(self, user_id: int, *path: str, where: int | None = None, **opts: Any) -> str:
        """Run a slash command here and return the bot's answer."""
        itx = await self.slash(user_id, *path, where=where, **opts)
        text: str = await itx.reply_text()
        return text

    async def problems(self) -> list[str]:
        """`feature:key` of every problem reported to this guild's moderators."""
        found = await self.env.running.guild_settings.problems(self.id)
        return sorted(f"{p.feature}:{p.key}" for p in found)

    async def show(self) -> str:
        """What a moderator sees in /config show."""
        return await self.reply(self.mod_id, "config", "show")


async def set_up(guild: Guild) -> None:
    """A lounge with announcements (remind 30 min), previews on, and a ping role."""
    fake = guild.env.fake
    guild.lounge = fake.add_channel(guild.id, "lounge")
    guild.role = fake.add_role(guild.id, "Kim fans")
    await guild.env.settle()
    assert "Added" in await guild.reply(guild.mod_id, "drama", "add", catalog="secretary-kim")
    text = await guild.reply(guild.mod_id, "drama", "announce", drama="Secretary Kim",
                             channel=guild.lounge, role=guild.role, remind="30")  # fmt: skip
    assert "⚠️" not in text, text
    text = await guild.reply(guild.mod_id, "config", "channel", feature="previews",
                             channel=guild.lounge, state="on")  # fmt: skip
    assert "on" in text
    assert "No problems reported." in await guild.show()


async def second_guild(env: BotEnv) -> Guild:
    """Another server the bot is in, with its own moderator."""
    fake = env.fake
    other = fake.add_guild(name="Other Club")
    mods = fake.add_role(other.id, "Mods", permissions=MANAGE_GUILD)
    mod = fake.add_member(other.id, name="othermod", roles=(mods,))
    await env.settle()
    return Guild(env, other.id, other.default_channel_id, mod)


async def poll_in_general(env: BotEnv) -> tuple[int, int]:
    """A single-choice poll in #general; returns (poll id, message id)."""
    start = len(env.fake.requests)
    itx = await env.slash(env.fan_id, "poll", "create", question="Best lead?", options="a | b")
    assert "is up" in await itx.reply_text()
    rec = await env.fake.wait_for_request(
        "POST", f"/channels/{env.channel_id}/messages", after=start
    )
    message_id = int(rec.response["id"])
    poll_id = await env.running.db.fetch_value(
        "SELECT poll_id FROM polls WHERE message_id = :message_id", {"message_id": message_id}
    )
    return int(poll_id), message_id


async def drift(env: BotEnv, home: Guild) -> None:
    """The bot loses Send Messages in the lounge, Manage Messages in #general, Manage Roles."""
    fake = env.fake
    fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_ROLES)
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~SEND_MESSAGES, channel_id=home.lounge
    )
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES, channel_id=env.channel_id
    )
    await fake.sync()


async def restore(env: BotEnv, home: Guild) -> None:
    """Moderators grant everything back."""
    fake = env.fake
    fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS)
    for channel in (home.lounge, env.channel_id):
        fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS, channel_id=channel)
    await fake.sync()


async def every_feature_reports(env: BotEnv, home: Guild, other: Guild, site: NewsSite) -> None:
    """With the permissions gone, each feature tells the moderators what to grant."""
    fake = env.fake
    # Airtime: the reminder cannot be posted here, but the other server gets its own.
    start = len(fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=30))
    refused = await fake.wait_for_request("POST", f"/channels/{home.lounge}/messages", after=start)
    assert refused.status == 403
    posted = await fake.wait_for_request("POST", f"/channels/{other.lounge}/messages", after=start)
    assert posted.status == 200
    assert posted.json["content"].startswith(f"<@&{other.role}> ")
    # Previews: a link in the lounge is not fetched for a preview that cannot be shown.
    url = site.publish("/ratings", ARTICLE)
    await fake.post_message(env.guild_id, home.lounge, env.fan_id, url)
    # Trivia: a game in the lounge is called off; one in #general still runs.
    itx = await home.slash(env.fan_id, "trivia", "start", where=home.lounge, pack="Secretary Kim")
    await itx.reply_text()
    assert "cannot post in this channel" in str((await itx.followups(1))[0].json)
    started = await env.reply(env.fan2_id, "trivia", "start", pack="Secretary Kim", questions=1)
    assert "started" in started
    assert "stopped" in await env.reply(env.mod_id, "trivia", "stop")
    # Follow: no Manage Roles, so the fan is told and the moderators too.
    text = await env.reply(env.fan_id, "airtime", "follow", drama="Secretary Kim")
    assert "Manage Roles" in text
    assert home.role not in member_roles(env, env.fan_id)
    drama = await env.running.db.fetch_value(
        "SELECT drama_id FROM airtime_dramas WHERE guild_id = :guild_id", {"guild_id": home.id}
    )

    async def all_reported() -> bool:
        return len(await home.problems()) == 3

    await until(all_reported, "a problem from airtime, previews and trivia")
    assert await home.problems() == sorted(
        [f"airtime:announce:{drama}", f"previews:send:{home.lounge}", f"trivia:post:{home.lounge}"]
    )
    assert site.hits == {}


async def test_permissions_drift(env: BotEnv, news: NewsSite) -> None:
    fake = env.fake
    await env.advance_to(START)
    home = Guild(env, env.guild_id, env.channel_id, env.mod_id)
    other = await second_guild(env)
    await set_up(home)
    await set_up(other)
    poll_id, poll_message = await poll_in_general(env)

    await drift(env, home)
    await every_feature_reports(env, home, other, news)
    # Polls: a changed vote cannot tidy the older reaction away; only the latest counts.
    await fake.add_reaction(env.guild_id, env.channel_id, poll_message, env.fan_id, A)
    await fake.add_reaction(env.guild_id, env.channel_id, poll_message, env.fan_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan_id, 1)])

    async def polls_reported() -> bool:
        return any(p.startswith("polls:") for p in await home.problems())

    await until(polls_reported, "polls problem")
    show = await home.show()
    for words in ("Send Messages", "Manage Messages", "Manage Roles", f"<#{home.lounge}>"):
        assert words in show, (words, show)
    assert "No problems reported." in await other.show()
    # The on-air post fails too, and is not retried as a duplicate later.
    start = len(fake.requests)
    await env.advance_to(EP1)
    await fake.wait_for_request("POST", f"/channels/{other.lounge}/messages", after=start)

    await restore(env, home)
    start = len(fake.requests)
    await env.advance_to(EP2 - timedelta(minutes=30))
    ok = await fake.wait_for_request("POST", f"/channels/{home.lounge}/messages", after=start)
    assert ok.status == 200
    assert "episode 2" in ok.json["content"]
    url = news.url("/ratings")
    await fake.post_message(env.guild_id, home.lounge, env.fan_id, f"again {url}")
    preview = await fake.wait_for_request(
        "POST", f"/channels/{home.lounge}/messages", after=start,
        predicate=lambda r: bool(r.json.get("embeds")),
    )  # fmt: skip
    assert preview.status == 200
    assert news.hits == {"/ratings": 1}
    itx = await home.slash(env.fan_id, "trivia", "start", where=home.lounge, pack="Secretary Kim")
    assert "started" in await itx.reply_text()
    assert "stopped" in await home.reply(env.mod_id, "trivia", "stop", where=home.lounge)
    assert "follow" in await env.reply(env.fan_id, "airtime", "follow", drama="Secretary Kim")
    assert home.role in member_roles(env, env.fan_id)
    # A moderator granted Manage Messages back: a changed vote is tidied at once.
    await fake.add_reaction(env.guild_id, env.channel_id, poll_message, env.fan2_id, A)
    await fake.add_reaction(env.guild_id, env.channel_id, poll_message, env.fan2_id, B)
    tidy = await fake.wait_for_request("DELETE", rf".*/reactions/{A}/{env.fan2_id}", after=start)
    assert tidy.status == 204

    async def cleared() -> bool:
        return await home.problems() == []

    await until(cleared, "every problem cleared")
    show = await home.show()
    assert "No problems reported." in show, show
    assert "⚠️" not in show, show
    assert "No problems reported." in await other.show()
    # Nothing missed while the lounge was closed is posted late or twice.
    ledger = await env.running.db.fetch_all(
        "SELECT episode_key, kind, state FROM airtime_announcements WHERE guild_id = :guild_id",
        {"guild_id": home.id},
    )
    assert sorted(tuple(r) for r in ledger) == [
        ("1", "onair", "failed"), ("1", "remind30", "failed"), ("2", "remind30", "sent")
    ]  # fmt: skip
    assert len([r for r in posts(env, other.lounge) if r.status == 200]) == 3
    assert await votes(env, poll_id) == sorted([(env.fan_id, 0), (env.fan_id, 1), (env.fan2_id, 1)])
    assert assert_nothing_pings(env, except_roles={home.role, other.role}) > 30
