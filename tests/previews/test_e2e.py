"""Link previews end to end: the real bot, the fake Discord, real HTTP on loopback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.harness import BotEnv, message_text, no_pings, until
from tests.previews.helpers import (
    MOODS,
    OG_TITLE,
    Site,
    enable,
    mood_poll_of,
    post_and_wait_preview,
    previews_sent,
    reactions_on,
    store_of,
)


async def test_fan_link_gets_preview_and_mood_poll(env: BotEnv, site: Site) -> None:
    await enable(env)
    source, rec = await post_and_wait_preview(env, f"omg look {site.url('/og')} !!")
    payload = rec.json
    embed = payload["embeds"][0]
    assert embed["title"] == OG_TITLE
    assert embed["url"] == site.url("/article/123-song-hye-kyo")
    assert embed["image"]["url"] == site.url("/images/song.jpg")
    assert embed["author"]["name"] == "Soompi"
    assert "@\u200beveryone" in embed["description"]  # page text never pings
    assert "\\*thriller\\*" in embed["description"]
    assert any(f["value"].startswith("<t:1709598600:D>") for f in embed["fields"])
    assert no_pings(payload)
    assert int(payload["message_reference"]["message_id"]) == int(source["id"])
    button = payload["components"][0]["components"][0]
    assert button["custom_id"] == f"preview:remove:{env.fan_id}"
    message_id = int(rec.response["id"])

    async def polled() -> bool:
        return reactions_on(env, message_id) == MOODS

    await until(polled, "mood poll reactions")
    assert await mood_poll_of(env, message_id) is not None
    assert site.hits == {"og": 1}


async def test_a_message_delivered_again_is_not_previewed_again(env: BotEnv, site: Site) -> None:
    await enable(env)
    source, _ = await post_and_wait_preview(env, site.url("/og"))
    await env.restart()  # what was previewed is remembered in the database, not in memory
    before = len(env.fake.requests)
    await env.fake.dispatch("MESSAGE_CREATE", source)  # Discord may deliver an event twice
    # The last message is previewed: the replayed one before it was handled (and skipped).
    latest, rec = await post_and_wait_preview(env, site.url("/twitter"))
    assert int(rec.json["message_reference"]["message_id"]) == int(latest["id"])
    await env.settle(rounds=20)
    assert len(previews_sent(env, before)) == 1


async def test_three_links_at_most_and_cache_reused(env: BotEnv, site: Site) -> None:
    await enable(env)
    links = " ".join(site.url(f"/{name}") for name in ("og", "twitter", "jsonld_graph", "h1_only"))
    before = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, links)

    async def three() -> bool:
        return len(previews_sent(env, before)) >= 3

    await until(three, "three previews")
    titles = [rec.json["embeds"][0]["title"] for rec in previews_sent(env, before)]
    assert titles == [
        OG_TITLE,
        "Queen of Tears Breaks Ratings Record",
        "Netflix orders second season of Korean hit",
    ]
    assert "h1_only" not in site.hits
    # The same link again is served from the cache.
    await post_and_wait_preview(env, site.url("/og"))
    assert site.hits["og"] == 1


async def test_disabled_channel_and_suppressed_links_get_nothing(env: BotEnv, site: Site) -> None:
    other = env.fake.add_channel(env.guild_id, "other")
    await env.fake.sync()
    before = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, other, env.fan_id, site.url("/twitter"))
    await enable(env)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, f"<{site.url('/og')}>")
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, f"||{site.url('/og')}||")
    bot_msg = await env.fake.post_message(
        env.guild_id, env.channel_id, env.fan_id, site.url("/jsonld_array")
    )
    # The last message is previewed: everything before it was handled (and skipped).
    rec = await env.fake.wait_for_request("POST", r"/channels/\d+/messages$", after=before)
    assert int(rec.json["message_reference"]["message_id"]) == int(bot_msg["id"])
    await env.settle()
    assert len(previews_sent(env, before)) == 1
    assert not env.fake.find_requests("POST", rf"/channels/{other}/messages")
    assert site.hits == {"jsonld_array": 1}


async def test_blocked_link_is_skipped_silently(env: BotEnv, site: Site) -> None:
    await enable(env)
    before = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, site.internal_url())
    await env.fake.post_message(
        env.guild_id, env.channel_id, env.fan_id, f"http://2130706433:{site.internal.port}/"
    )
    await post_and_wait_preview(env, site.url("/twitter"))
    await env.settle()
    assert [r.json["embeds"][0]["title"] for r in previews_sent(env, before)] == [
        "Queen of Tears Breaks Ratings Record"
    ]


async def test_preview_command_refuses_loopback_politely(env: BotEnv, site: Site) -> None:
    itx = await env.slash(env.fan_id, "preview", url=site.internal_url("/secret"))
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "can't preview" in text
    assert "loopback" in text


async def test_preview_command_late_refusal_is_private(env: BotEnv, site: Site) -> None:
    itx = await env.slash(env.fan_id, "preview", url=site.url("/missing-page"))
    followups = await itx.followups(1)
    assert followups[0].json.get("flags", 0) & 64
    assert "404" in followups[0].json["content"]
    assert env.fake.find_requests("DELETE", r"/webhooks/.*/messages/@original")


async def test_preview_and_menu_work_without_message_content(env: BotEnv, site: Site) -> None:
    env.fake.message_content_allowed = False
    await env.restart(message_content_intent=False)
    assert not env.running.message_content_enabled
    await enable(env)
    # Automatic previews cannot see the text...
    before = len(env.fake.requests)
    source = await env.fake.post_message(
        env.guild_id, env.channel_id, env.fan_id, f"read {site.url('/twitter')}"
    )
    # ...but the command and the menu work.
    itx = await env.slash(env.fan2_id, "preview", url=site.url("/og"))
    followup = (await itx.followups(1))[0]
    assert followup.json["embeds"][0]["title"] == OG_TITLE
    assert not followup.json.get("flags", 0) & 64
    assert no_pings(followup.json)
    menu = await env.fake.context_menu(
        env.guild_id, env.channel_id, env.fan2_id, "Preview article", int(source["id"])
    )
    menu_followup = (await menu.followups(1))[0]
    assert menu_followup.json["embeds"][0]["title"] == "Queen of Tears Breaks Ratings Record"
    assert not previews_sent(env, before)
    assert site.hits == {"og": 1, "twitter": 1}
    show = await env.reply(env.mod_id, "config", "show")
    assert "Message Content intent" in show


async def test_remove_button_only_for_poster_and_moderators(env: BotEnv, site: Site) -> None:
    await enable(env)
    _, rec = await post_and_wait_preview(env, site.url("/og"))
    message_id = int(rec.response["id"])
    custom_id = f"preview:remove:{env.fan_id}"
    other = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, custom_id)
    assert "Only the person" in await other.reply_text()
    assert other.is_ephemeral
    assert env.fake.get_message(env.channel_id, message_id) is not None
    mine = await env.fake.click(env.guild_id, env.channel_id, env.fan_id, message_id, custom_id)
    await mine.response()

    async def gone() -> bool:
        return env.fake.get_message(env.channel_id, message_id) is None

    await until(gone, "preview deleted")

    async def forgotten() -> bool:
        return await store_of(env).post_count(env.guild_id) == 0

    await until(forgotten, "preview row removed")
    # A moderator may remove anyone's preview, also after a restart.
    _, rec = await post_and_wait_preview(env, site.url("/twitter"))
    message_id = int(rec.response["id"])

    async def polled() -> bool:
        return reactions_on(env, message_id) == MOODS

    await until(polled, "mood poll before restart")
    await env.restart()
    mod = await env.fake.click(env.guild_id, env.channel_id, env.mod_id, message_id, custom_id)
    await mod.response()

    async def gone_too() -> bool:
        return env.fake.get_message(env.channel_id, message_id) is None

    await until(gone_too, "moderator removal")


async def test_moderator_policy_and_moodpoll(env: BotEnv, site: Site) -> None:
    await enable(env)
    assert "off" in await env.reply(env.mod_id, "previews", "moodpoll", state="off")
    assert "denied" in await env.reply(
        env.mod_id, "previews", "domains", "deny", domain="127.0.0.2"
    )
    fan = await env.reply(env.fan_id, "previews", "domains", "allow", domain="soompi.com")
    assert "moderators" in fan
    itx = await env.slash(env.fan_id, "preview", url=site.url("/og"))
    assert "blocked previews from that site" in await itx.reply_text()
    assert itx.is_ephemeral
    await env.reply(env.mod_id, "previews", "domains", "remove", domain="127.0.0.2")
    await env.reply(env.mod_id, "previews", "domains", "mode", mode="allowlist")
    listing = await env.reply(env.mod_id, "previews", "domains", "list")
    assert "only allowed sites" in listing
    itx = await env.slash(env.fan_id, "preview", url=site.url("/og"))
    assert "only previews sites its moderators allowed" in await itx.reply_text()
    bad = await env.reply(env.mod_id, "previews", "domains", "allow", domain="not a domain")
    assert "not a domain name" in bad
    await env.reply(env.mod_id, "previews", "domains", "mode", mode="all")
    _, rec = await post_and_wait_preview(env, site.url("/og"))
    await env.settle(rounds=20)
    assert reactions_on(env, int(rec.response["id"])) == []
    assert await mood_poll_of(env, int(rec.response["id"])) is None
    assert OG_TITLE in message_text(rec.json)


async def test_tracked_drama_gets_next_episode_line(env: BotEnv, site: Site) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    kst = ZoneInfo("Asia/Seoul")
    premiere = (datetime.now(kst) + timedelta(days=7)).date()
    while premiere.weekday() != 5:  # a Saturday, one of the broadcast days
        premiere += timedelta(days=1)
    added = await env.reply(
        env.mod_id,
        "drama",
        "add",
        title="Queen of Tears",
        network="tvN",
        days="Sat Sun",
        time="21:10",
        premiere=premiere.isoformat(),
        episodes=16,
        aliases="QoT",
    )
    assert "Added" in added, added
    await enable(env)
    _, rec = await post_and_wait_preview(env, site.url("/twitter"))
    airs = int(
        datetime(premiere.year, premiere.month, premiere.day, 21, 10, tzinfo=kst).timestamp()
    )
    description = rec.json["embeds"][0]["description"]
    assert f"📺 **Queen of Tears** episode 1 airs <t:{airs}:F> (<t:{airs}:R>)" in description
    # A page that names no tracked drama gets no line.
    _, rec = await post_and_wait_preview(env, site.url("/jsonld_array"))
    assert "📺" not in (rec.json["embeds"][0].get("description") or "")


async def test_menu_skips_blocked_links_and_previews_the_rest(env: BotEnv, site: Site) -> None:
    source = await env.fake.post_message(
        env.guild_id,
        env.channel_id,
        env.fan_id,
        f"{site.internal_url()} and {site.url('/jsonld_graph')}",
    )
    menu = await env.fake.context_menu(
        env.guild_id, env.channel_id, env.fan2_id, "Preview article", int(source["id"])
    )
    followup = (await menu.followups(1))[0]
    assert followup.json["embeds"][0]["title"] == "Netflix orders second season of Korean hit"
    only_blocked = await env.fake.post_message(
        env.guild_id, env.channel_id, env.fan_id, f"see {site.internal_url()}"
    )
    refused = await env.fake.context_menu(
        env.guild_id, env.channel_id, env.fan2_id, "Preview article", int(only_blocked["id"])
    )
    assert "loopback" in await refused.reply_text()
    assert refused.is_ephemeral
    nothing = await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, "no links")
    empty = await env.fake.context_menu(
        env.guild_id, env.channel_id, env.fan2_id, "Preview article", int(nothing["id"])
    )
    assert "no http(s) link" in await empty.reply_text()


async def test_preview_rate_limit(env: BotEnv, site: Site) -> None:
    for _ in range(5):
        itx = await env.slash(env.fan_id, "preview", url=site.url("/og"))
        await itx.followups(1)
    itx = await env.slash(env.fan_id, "preview", url=site.url("/og"))
    assert "Slow down" in await itx.reply_text()
    assert itx.is_ephemeral
    assert site.hits == {"og": 1}


async def test_missing_embed_links_is_reported_to_moderators(env: BotEnv, site: Site) -> None:
    from tests.fakediscord.state import (
        ADD_REACTIONS,
        READ_MESSAGE_HISTORY,
        SEND_MESSAGES,
        VIEW_CHANNEL,
    )

    await enable(env)
    env.fake.set_bot_permissions(
        env.guild_id,
        VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | ADD_REACTIONS,
        channel_id=env.channel_id,
    )
    await env.fake.sync()
    before = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, site.url("/og"))

    async def reported() -> bool:
        problems = await env.running.guild_settings.problems(env.guild_id, "previews")
        return bool(problems)

    await until(reported, "problem reported")
    assert not previews_sent(env, before)
    assert site.hits == {}  # nothing fetched for a preview that cannot be shown
    show = await env.reply(env.mod_id, "config", "show")
    assert "Embed Links" in show


async def test_name_resolving_to_loopback_is_refused_after_lookup(env: BotEnv, site: Site) -> None:
    itx = await env.slash(env.fan_id, "preview", url=f"http://localhost:{site.internal.port}/")
    followup = (await itx.followups(1))[0]
    assert followup.json.get("flags", 0) & 64
    assert "loopback" in followup.json["content"]
    assert no_pings(followup.json)


async def test_automatic_previews_are_rate_limited_per_fan(env: BotEnv, site: Site) -> None:
    # A fan pasting links non-stop must not make the bot flood the channel with cards
    # (and mood-poll reactions): a few previews per minute each, the rest are skipped.
    await enable(env)
    before = len(env.fake.requests)
    for batch in range(4):
        links = " ".join(site.url(f"/twitter?n={batch}{i}") for i in range(3))
        await env.fake.post_message(env.guild_id, env.channel_id, env.fan_id, links)

    async def six() -> bool:
        return len(previews_sent(env, before)) >= 6

    await until(six, "six previews")
    await env.settle(rounds=30)
    assert len(previews_sent(env, before)) == 6
    assert site.hits == {"twitter": 6}  # the skipped links were not even fetched
    # Another fan is not affected.
    source = await env.fake.post_message(
        env.guild_id, env.channel_id, env.fan2_id, site.url("/twitter?n=other")
    )

    async def seven() -> bool:
        return len(previews_sent(env, before)) >= 7

    await until(seven, "the other fan's preview")
    last = previews_sent(env, before)[-1]
    assert int(last.json["message_reference"]["message_id"]) == int(source["id"])


async def test_remove_button_custom_id_cannot_be_forged(env: BotEnv, site: Site) -> None:
    # The poster id in the custom_id is visible to everyone, but a click only counts for a
    # component that is on the message (Discord checks, and discord.py matches dynamic items
    # against the message's own components): a tampered id changes nothing.
    await enable(env)
    _, rec = await post_and_wait_preview(env, site.url("/og"))
    message_id = int(rec.response["id"])
    before = len(env.fake.requests)
    forged = f"preview:remove:{env.fan2_id}"
    await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, forged)
    await env.settle(rounds=30)
    assert env.fake.get_message(env.channel_id, message_id) is not None
    assert not [r for r in env.fake.requests[before:] if r.method == "DELETE"]
    assert await store_of(env).post_count(env.guild_id) == 1


async def test_bots_are_ignored_and_logs_hold_no_links_or_text(
    env: BotEnv, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await enable(env)
    other_bot = env.fake.add_member(env.guild_id, name="newsbot", bot=True)
    await env.fake.sync()
    before = len(env.fake.requests)
    await env.fake.post_message(env.guild_id, env.channel_id, other_bot, site.url("/og"))
    secret = "my-private-words"
    await env.fake.post_message(
        env.guild_id,
        env.channel_id,
        env.fan_id,
        f"{secret} {site.url('/missing-Xq7path')} {site.internal_url('/admin-Zk9')}",
    )
    source, rec = await post_and_wait_preview(env, site.url("/twitter?ref=Wv3query"))
    assert int(rec.json["message_reference"]["message_id"]) == int(source["id"])

    async def skipped_logged() -> bool:
        return any(r.getMessage().startswith("preview skipped") for r in caplog.records)

    # Messages are handled concurrently: wait for the fan's earlier links to be refused.
    await until(skipped_logged, "the refused links to be logged")
    await env.settle(rounds=20)
    assert len(previews_sent(env, before)) == 1
    assert "og" not in site.hits  # the bot's link was never fetched
    ours = [r for r in caplog.records if r.name.startswith(("cogs", "bot"))]
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    for private in (secret, "Xq7path", "Zk9", "Wv3query", "127.0.0.2", "127.0.0.1"):
        assert private not in logged


async def test_fans_previewing_different_pages_of_one_site_at_once_all_get_them(
    env: BotEnv, site: Site
) -> None:
    # A few pages of one site are fetched together (a small burst), the rest at the site's
    # pace; each page is fetched once and each fan gets the preview of the page they asked.
    pages = ["og", "twitter", "meta_names", "jsonld_graph"]
    fans = [env.fan_id, env.fan2_id] + [
        env.fake.add_member(env.guild_id, name=f"reader{n}") for n in range(2)
    ]
    asked = await asyncio.gather(
        *(
            env.slash(fan, "preview", url=site.url(f"/{page}"))
            for fan, page in zip(fans, pages, strict=True)
        )
    )
    answers = [(await itx.followups(1))[0].json for itx in asked]
    titles = [answer["embeds"][0]["title"] for answer in answers]
    assert titles[0] == OG_TITLE
    assert all(titles)
    assert len(set(titles)) == len(pages)
    assert all(no_pings(answer) for answer in answers)
    assert site.hits == dict.fromkeys(pages, 1)


async def test_a_moderators_site_rules_apply_to_the_very_next_preview(
    env: BotEnv, site: Site
) -> None:
    # The guild's rules are read for every link and kept between changes: each change
    # must reach the next preview even though the rules were just read.
    async def preview(fan: int) -> str:
        itx = await env.slash(fan, "preview", url=site.url("/og"))
        return str(await itx.reply_text())

    assert OG_TITLE in await preview(env.fan_id)
    await env.reply(env.mod_id, "previews", "domains", "deny", domain="127.0.0.2")
    assert "blocked previews from that site" in await preview(env.fan2_id)
    await env.reply(env.mod_id, "previews", "domains", "remove", domain="127.0.0.2")
    assert OG_TITLE in await preview(env.fan_id)
    await env.reply(env.mod_id, "previews", "domains", "mode", mode="allowlist")
    assert "only previews sites its moderators allowed" in await preview(env.fan2_id)
    await env.reply(env.mod_id, "previews", "domains", "allow", domain="127.0.0.2")
    assert OG_TITLE in await preview(env.fan_id)
    shown = await env.reply(env.mod_id, "config", "show")
    assert "allowlist sites, 1 allowed, 0 denied; mood poll on" in shown
    assert "off" in await env.reply(env.mod_id, "previews", "moodpoll", state="off")
    shown = await env.reply(env.mod_id, "config", "show")
    assert "allowlist sites, 1 allowed, 0 denied; mood poll off" in shown
