"""`/drama import`, `/drama refresh` and the follow-up checks, end to end.

The real bot runs against the fake Discord and the fake TVmaze (both on 127.0.0.1); what a
moderator reads, what fans see in the channel and what `/airtime episodes` lists is asserted,
never the database's rows.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cogs.airtime.keys import CHECKS_JOB
from cogs.help.logic import MODERATORS
from tests.airtime.helpers import MSG, dramas, posts
from tests.airtime.tvmaze_support import kst
from tests.fakediscord import FakeDiscord
from tests.faketvmaze import (
    BAKERY,
    GLASS_GARDEN,
    HARBOR_LIGHTS,
    SECRETARY_KIM,
    SPRING_LETTER,
    UNKNOWN,
    FakeTvmaze,
)
from tests.harness import BotEnv, no_pings, until

BEFORE_PREMIERE = datetime(2018, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
async def tvmaze() -> AsyncIterator[FakeTvmaze]:
    async with FakeTvmaze() as fake:
        yield fake


@pytest.fixture
async def tv(fake: FakeDiscord, tmp_path: Path, tvmaze: FakeTvmaze) -> AsyncIterator[BotEnv]:
    """The real bot with `TVMAZE_API_URL` pointing at the fake TVmaze."""
    bot_env = BotEnv(
        fake=fake,
        db_path=tmp_path / "bot.sqlite3",
        settings_overrides={"tvmaze_api_url": tvmaze.url},
    )
    bot_env.build_world()
    await bot_env.start()
    try:
        yield bot_env
    finally:
        await bot_env.stop()
        bot_env.stop_travel()


async def import_announced(env: BotEnv, show: int = SECRETARY_KIM) -> int:
    """Before the premiere, a moderator imports a show and announces it in a new channel."""
    env.travel_to(BEFORE_PREMIERE)
    channel = env.fake.add_channel(env.guild_id, "airtime")
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "import", show=str(show))
    assert "Imported from TVmaze" in text, text
    (drama,) = await dramas(env)
    text = await env.reply(
        env.mod_id, "drama", "announce", drama=str(drama.drama_id), channel=channel, remind="none"
    )
    assert "Announcements for" in text
    return channel


async def test_import_by_id_creates_the_drama_with_its_special(tv: BotEnv) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    itx = await tv.slash(tv.mod_id, "drama", "import", show=str(SECRETARY_KIM))
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "Imported from TVmaze" in text
    assert "What's Wrong with Secretary Kim** — tvN, Wed+Thu 21:30 KST, 16 episodes" in text
    assert "1 special" in text
    assert "Schedule data: TVmaze (<https://www.tvmaze.com/shows/36960" in text
    (drama,) = await dramas(tv)
    assert drama.tvmaze_id == SECRETARY_KIM
    assert drama.episode_list()[0].at == kst(2018, 6, 6)
    assert len(drama.specials) == 1
    listing = await tv.reply(tv.fan_id, "airtime", "episodes", drama=str(drama.drama_id))
    assert "Schedule data: TVmaze" in listing
    tv.travel_to(datetime(2018, 6, 5, tzinfo=UTC))
    for path in (("airtime", "next"), ("airtime", "week"), ("drama", "list")):
        assert "Schedule data: TVmaze" in await tv.reply(tv.mod_id, *path), path


async def test_import_by_link_and_by_title(tv: BotEnv) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    text = await tv.reply(
        tv.mod_id, "drama", "import", show="https://www.tvmaze.com/shows/61234/midnight-bakery"
    )
    assert "Midnight Bakery Detective" in text
    # Its pre-empted week and moved finale, as the model's own exceptions.
    assert "From TVmaze's episode times: 2 pre-empted dates, 1 moved episode." in text
    (bakery,) = await dramas(tv)
    listing = await tv.reply(tv.fan_id, "airtime", "episodes", drama=str(bakery.drama_id))
    assert "No episode on Fri 2024-03-15" in listing
    assert "Episode 12 (finale) · <t:" in listing
    assert "2024-04-14 22:30 KST" in listing
    text = await tv.reply(tv.mod_id, "drama", "import", show="What's Wrong with Secretary Kim")
    assert "Imported from TVmaze" in text
    assert sorted(d.tvmaze_id or 0 for d in await dramas(tv)) == [SECRETARY_KIM, BAKERY]


@pytest.mark.parametrize(
    "link",
    [
        "<https://www.tvmaze.com/shows/36960/whats-wrong-with-secretary-kim>",  # embed hidden
        "http://tvmaze.com/shows/36960/",
        "https://www.tvmaze.com/shows/36960/whats-wrong-with-secretary-kim/episodes",
    ],
)
async def test_a_tvmaze_link_in_any_of_its_shapes_imports_the_show(tv: BotEnv, link: str) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    text = await tv.reply(tv.mod_id, "drama", "import", show=link)
    assert "Imported from TVmaze" in text, text
    assert [d.tvmaze_id for d in await dramas(tv)] == [SECRETARY_KIM]


async def test_a_title_shared_with_a_foreign_show_imports_the_korean_one(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    tvmaze.add_namesake(SECRETARY_KIM, 80001, "Harbor Lights")  # TVmaze ranks NBC's first
    tv.travel_to(BEFORE_PREMIERE)
    text = await tv.reply(tv.mod_id, "drama", "import", show="harbor lights")
    assert "Imported from TVmaze" in text, text
    assert [d.tvmaze_id for d in await dramas(tv)] == [80001]


async def test_importing_the_same_show_twice_is_refused(tv: BotEnv) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    await tv.reply(tv.mod_id, "drama", "import", show=str(SECRETARY_KIM))
    text = await tv.reply(tv.mod_id, "drama", "import", show=str(SECRETARY_KIM))
    assert "already" in text
    assert len(await dramas(tv)) == 1


async def test_import_suggests_shows_with_network_and_year(tv: BotEnv) -> None:
    choices = await tv.fake.autocomplete(
        tv.guild_id,
        tv.channel_id,
        tv.mod_id,
        ("drama", "import"),
        focused="show",
        value="secretary",
    )
    assert {"name": "What's Wrong with Secretary Kim · tvN · 2018", "value": "36960"} in choices


@pytest.mark.parametrize(
    "typed",
    ["https://www.netflix.com/title/81", "00", "Secretary Kim " + "x" * 100],
)
async def test_typing_what_import_refuses_gets_no_suggestions_and_no_error(
    tv: BotEnv, tvmaze: FakeTvmaze, typed: str
) -> None:
    choices = await tv.fake.autocomplete(
        tv.guild_id, tv.channel_id, tv.mod_id, ("drama", "import"), focused="show", value=typed
    )
    assert choices == []
    assert tvmaze.requests_to("/search/shows") == 0


async def test_suggestions_give_up_at_once_when_tvmaze_is_busy(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    tvmaze.fail_next(1, 429, retry_after=120)
    for _ in range(2):  # the 429, then the pause it asked for: no suggestions, no waiting
        choices = await tv.fake.autocomplete(
            tv.guild_id,
            tv.channel_id,
            tv.mod_id,
            ("drama", "import"),
            focused="show",
            value="secretary",
            timeout=2.5,
        )
        assert choices == []
    assert tvmaze.requests_to("/search/shows") == 1


async def test_a_streaming_show_without_times_is_assumed_at_the_usual_release(
    tv: BotEnv,
) -> None:
    tv.travel_to(datetime(2024, 1, 1, tzinfo=UTC))
    text = await tv.reply(tv.mod_id, "drama", "import", show=str(GLASS_GARDEN))
    assert "TVmaze gives dates but no time: I assumed 16:00 KST" in text
    (drama,) = await dramas(tv)
    assert {slot.at.strftime("%H:%M") for slot in drama.slots} == {"16:00"}


BAD_IMPORTS = [
    (str(UNKNOWN), "TVmaze has no show with id 999999"),
    (str(HARBOR_LIGHTS), "is not a Korean show"),
    (str(SPRING_LETTER), "dates but no broadcast time"),
    ("https://example.com/shows/1", "TVmaze"),
]


@pytest.mark.parametrize(("show", "message"), BAD_IMPORTS)
async def test_bad_imports_are_refused_and_change_nothing(
    tv: BotEnv, show: str, message: str
) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    itx = await tv.slash(tv.mod_id, "drama", "import", show=show)
    assert message in await itx.reply_text()
    assert itx.is_ephemeral
    assert await dramas(tv) == []


async def test_a_show_without_a_time_imports_with_the_time_given(tv: BotEnv) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    text = await tv.reply(tv.mod_id, "drama", "import", show=str(SPRING_LETTER), time="21:50")
    assert "Imported from TVmaze" in text
    (drama,) = await dramas(tv)
    assert {slot.at.strftime("%H:%M") for slot in drama.slots} == {"21:50"}


async def test_a_time_given_for_a_show_tvmaze_times_is_not_used_and_the_reply_says_so(
    tv: BotEnv,
) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    text = await tv.reply(tv.mod_id, "drama", "import", show=str(SECRETARY_KIM), time="23:15")
    assert "Imported from TVmaze" in text
    assert "I did not use `time: 23:15`" in text, text
    assert "`/drama edit time:`" in text
    (drama,) = await dramas(tv)
    assert "23:15" not in {slot.at.strftime("%H:%M") for slot in drama.slots}


async def test_malformed_answer_and_429_are_reported_and_change_nothing(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    tvmaze.malformed_next()
    itx = await tv.slash(tv.mod_id, "drama", "import", show=str(SECRETARY_KIM))
    assert "TVmaze sent an answer I couldn't read" in await itx.reply_text()
    assert itx.is_ephemeral
    # A 429 asking for two minutes: the command does not hang, it says so at once.
    tvmaze.fail_next(1, 429, retry_after=120)
    itx = await tv.slash(tv.mod_id, "drama", "import", show=str(SECRETARY_KIM))
    assert "TVmaze didn't answer; try again in a minute." in await itx.reply_text()
    assert await dramas(tv) == []


async def test_refresh_says_what_changed_and_posts_the_notice(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    channel = await import_announced(tv)
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    assert "TVmaze has nothing new" in text
    start = len(tv.fake.requests)
    tvmaze.move_episode(SECRETARY_KIM, 9, kst(2018, 7, 5, 22, 0))
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    ep9 = int(kst(2018, 7, 5, 22, 0).timestamp())
    assert f"Episode 9 moved: now Thu 5 Jul 22:00 KST (<t:{ep9}:F>)" in text
    assert f"Notice posted in <#{channel}>" in text
    rec = await tv.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert (
        "Schedule change for **What's Wrong with Secretary Kim** (schedule data: TVmaze)"
        in (rec.json["content"])
    )
    assert f"Episode 9 moved: now Thu 5 Jul 22:00 KST (<t:{ep9}:F>)" in rec.json["content"]
    assert no_pings(rec.json)
    (drama,) = await dramas(tv)
    assert drama.moves == {9: kst(2018, 7, 5, 22, 0)}


async def test_refresh_of_a_drama_added_by_hand_is_refused(tv: BotEnv) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    await tv.reply(tv.mod_id, "drama", "add", catalog="secretary-kim")
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    assert "added by hand" in text


async def test_a_preemption_between_two_checks_reaches_fans_without_a_command(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    channel = await import_announced(tv)
    start = len(tv.fake.requests)
    tvmaze.preempt(SECRETARY_KIM, date(2018, 6, 20))
    await tv.advance_to(datetime(2018, 6, 2, 10, 5, tzinfo=UTC))  # the daily check
    rec = await tv.fake.wait_for_request("POST", MSG.format(channel), after=start)
    ep5 = int(kst(2018, 6, 21).timestamp())
    assert "No episode on Wed 20 Jun (pre-empted)" in rec.json["content"]
    assert f"episode 5 now airs Thu 21 Jun 21:30 KST (<t:{ep5}:F>)" in rec.json["content"]
    (drama,) = await dramas(tv)
    assert drama.skips == frozenset({date(2018, 6, 20)})
    # Checked again the next day: nothing new, no second notice.
    await tv.advance_to(datetime(2018, 6, 3, 10, 5, tzinfo=UTC))
    assert len(posts(tv, channel, start)) == 1


async def test_checks_survive_a_restart(tv: BotEnv, tvmaze: FakeTvmaze) -> None:
    channel = await import_announced(tv)
    await tv.restart()
    tv.travel_to(BEFORE_PREMIERE)
    start = len(tv.fake.requests)
    tvmaze.move_episode(SECRETARY_KIM, 2, kst(2018, 6, 7, 23, 0))
    await tv.advance_to(datetime(2018, 6, 2, 10, 5, tzinfo=UTC))
    rec = await tv.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "Episode 2 moved: now Thu 7 Jun 23:00 KST" in rec.json["content"]


async def test_a_failing_check_backs_off_and_succeeds_later(tv: BotEnv, tvmaze: FakeTvmaze) -> None:
    channel = await import_announced(tv)
    tvmaze.move_episode(SECRETARY_KIM, 2, kst(2018, 6, 7, 23, 0))
    tvmaze.fail_next(4, 429, retry_after=0.01)  # every try of the daily check
    start = len(tv.fake.requests)
    tried = tvmaze.requests_to(f"/shows/{SECRETARY_KIM}")
    await tv.advance_to(datetime(2018, 6, 2, 10, 5, tzinfo=UTC))

    async def tried_four_times() -> bool:
        return tvmaze.requests_to(f"/shows/{SECRETARY_KIM}") >= tried + 4

    await until(tried_four_times, "the client's four tries", timeout=15)
    await tv.settle()
    assert posts(tv, channel, start) == []
    await tv.advance_to(datetime(2018, 6, 2, 10, 20, tzinfo=UTC))  # after the backoff
    rec = await tv.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "Episode 2 moved: now Thu 7 Jun 23:00 KST" in rec.json["content"]


async def test_a_moderators_edit_wins_over_tvmaze(tv: BotEnv, tvmaze: FakeTvmaze) -> None:
    await import_announced(tv)
    text = await tv.reply(tv.mod_id, "drama", "edit", drama="Secretary Kim", episodes=18)
    assert "your change to the episode count stays" in text

    def longer(_show: dict[str, object], episodes: list[dict[str, object]]) -> None:
        regular = [ep for ep in episodes if ep.get("number")]
        episodes.remove(regular[-1])  # TVmaze now says 15

    tvmaze.mutate(SECRETARY_KIM, longer)
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    assert "Kept your own changes to the episode count" in text
    (drama,) = await dramas(tv)
    assert drama.episodes == 18


async def test_a_shard_0_of_2_process_checks_only_its_own_servers_imports(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    channels = {}
    for shard in (0, 1):
        guild = tv.fake.add_guild(name=f"Club on shard {shard}", shard=(shard, 2))
        mods = tv.fake.add_role(guild.id, "Mods", permissions=1 << 5)
        mod = tv.fake.add_member(guild.id, name=f"mod{shard}", roles=(mods,))
        await tv.settle()
        for path, options in (
            (("drama", "import"), {"show": str(SECRETARY_KIM)}),
            (("drama", "announce"), {"drama": "Secretary Kim", "channel": guild.default_channel_id,
                                     "remind": "none"}),
        ):  # fmt: skip
            itx = await tv.fake.slash(guild.id, guild.default_channel_id, mod, *path,
                                      options=options)  # fmt: skip
            await itx.reply_text()
        channels[shard] = guild.default_channel_id
    await tv.restart(shard_count=2, shard_ids="0")
    tv.travel_to(BEFORE_PREMIERE)
    tvmaze.preempt(SECRETARY_KIM, date(2018, 6, 20))
    checked = tvmaze.requests_to(f"/shows/{SECRETARY_KIM}/episodes")
    start = len(tv.fake.requests)
    await tv.advance_to(datetime(2018, 6, 2, 10, 5, tzinfo=UTC))
    await tv.fake.wait_for_request("POST", MSG.format(channels[0]), after=start)
    await tv.settle(10)
    assert posts(tv, channels[1], start) == []
    assert tvmaze.requests_to(f"/shows/{SECRETARY_KIM}/episodes") == checked + 1


async def test_help_lists_import_and_refresh_for_moderators_with_tvmazes_credit(
    tv: BotEnv,
) -> None:
    text = await tv.reply(tv.fan_id, "help", topic="airtime")
    moderators = text.split(MODERATORS, 1)[1]
    assert "`/drama import`" in moderators
    assert "`/drama refresh`" in moderators
    assert "schedule data: TVmaze" in text


async def test_a_tvmaze_change_after_a_post_never_sends_it_twice(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    channel = await import_announced(tv)
    start = len(tv.fake.requests)
    await tv.advance_to(kst(2018, 6, 6))
    await tv.fake.wait_for_request("POST", MSG.format(channel), after=start)
    tvmaze.move_episode(SECRETARY_KIM, 2, kst(2018, 6, 7, 23, 0))
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    assert "Episode 2 moved: now Thu 7 Jun 23:00 KST" in text
    await tv.advance_to(kst(2018, 6, 7))  # episode 2's old slot: nothing airs
    await tv.advance_to(kst(2018, 6, 7, 23, 0))
    await tv.fake.wait_for_request(
        "POST",
        MSG.format(channel),
        after=start,
        predicate=lambda r: "episode 2 is on air" in r.json["content"],
    )
    await tv.settle(10)
    on_air = [r.json["content"] for r in posts(tv, channel, start) if "on air" in r.json["content"]]
    assert len(on_air) == 2
    assert "episode 1 is on air" in on_air[0]


async def test_a_moderators_skip_of_an_imported_drama_wins_and_says_so(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    await import_announced(tv)
    text = await tv.reply(tv.mod_id, "drama", "skip", drama="Secretary Kim", date="2018-06-13")
    assert "your change to 2018-06-13 (pre-empted or not) stays" in text
    tvmaze.preempt(SECRETARY_KIM, date(2018, 6, 20))
    await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    (drama,) = await dramas(tv)
    assert drama.skips == frozenset({date(2018, 6, 13), date(2018, 6, 20)})


async def test_fans_cannot_import_or_refresh(tv: BotEnv) -> None:
    tv.travel_to(BEFORE_PREMIERE)
    for path, options in ((("drama", "import"), {"show": str(SECRETARY_KIM)}),
                          (("drama", "refresh"), {"drama": "Secretary Kim"})):  # fmt: skip
        itx = await tv.slash(tv.fan_id, *path, **options)
        assert "for moderators" in await itx.reply_text()
    assert await dramas(tv) == []


async def test_checks_failing_for_a_day_are_shown_to_moderators_until_one_succeeds(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    await import_announced(tv)
    show = tvmaze.shows.pop(SECRETARY_KIM)  # gone from TVmaze: every check fails at once
    when = datetime(2018, 6, 2, 10, 5, tzinfo=UTC)
    while when < datetime(2018, 6, 3, 13, 0, tzinfo=UTC):
        await tv.advance_to(when)

        async def rearmed(at: datetime = when) -> bool:
            planned = tv.running.scheduler.next_run(CHECKS_JOB)
            return planned is not None and planned > at

        await until(rearmed, "the next check armed")
        planned = tv.running.scheduler.next_run(CHECKS_JOB)
        assert planned is not None
        assert planned - when <= timedelta(hours=3)  # backing off, never giving up
        when = planned + timedelta(minutes=1)
    text = await tv.reply(tv.mod_id, "config", "show")
    assert "I could not check **What's Wrong with Secretary Kim** on TVmaze for a day" in text
    tvmaze.shows[SECRETARY_KIM] = show
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    assert "TVmaze has nothing new" in text
    assert "could not check" not in await tv.reply(tv.mod_id, "config", "show")


async def test_a_show_two_servers_follow_is_fetched_once_per_check(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    channel = await import_announced(tv)
    other = tv.fake.add_guild(name="Second Club")
    mods = tv.fake.add_role(other.id, "Mods", permissions=1 << 5)
    mod = tv.fake.add_member(other.id, name="mod2", roles=(mods,))
    await tv.settle()
    for path, options in (
        (("drama", "import"), {"show": str(SECRETARY_KIM)}),
        (("drama", "announce"), {"drama": "Secretary Kim", "channel": other.default_channel_id,
                                 "remind": "none"}),
    ):  # fmt: skip
        itx = await tv.fake.slash(other.id, other.default_channel_id, mod, *path, options=options)
        await itx.reply_text()
    tvmaze.preempt(SECRETARY_KIM, date(2018, 6, 20))
    fetched = tvmaze.requests_to(f"/shows/{SECRETARY_KIM}/episodes")
    start = len(tv.fake.requests)
    await tv.advance_to(datetime(2018, 6, 2, 10, 5, tzinfo=UTC))
    for where in (channel, other.default_channel_id):
        await tv.fake.wait_for_request("POST", MSG.format(where), after=start)
    assert tvmaze.requests_to(f"/shows/{SECRETARY_KIM}/episodes") == fetched + 1


async def test_suggestions_for_the_same_words_are_asked_of_tvmaze_once(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    for typed in ("kim", "Kim ", "k"):
        await tv.fake.autocomplete(
            tv.guild_id, tv.channel_id, tv.mod_id, ("drama", "import"), focused="show", value=typed
        )
    assert tvmaze.requests_to("/search/shows") == 1  # "k" is too short to ask


async def test_an_extension_and_a_new_special_are_announced_once(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    channel = await import_announced(tv)
    tvmaze.extend(SECRETARY_KIM, 2)
    tvmaze.add_special(SECRETARY_KIM, "Behind the Scenes", kst(2018, 7, 29, 20, 0))
    start = len(tv.fake.requests)
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    finale = int(kst(2018, 8, 2).timestamp())
    assert (
        f"Extended to 18 episodes (was 16): the finale airs Thu 2 Aug 21:30 KST (<t:{finale}:F>)"
        in (text)
    )
    assert "New special “Behind the Scenes”: Sun 29 Jul 20:00 KST" in text
    rec = await tv.fake.wait_for_request("POST", MSG.format(channel), after=start)
    assert "Extended to 18 episodes" in rec.json["content"]
    (drama,) = await dramas(tv)
    assert drama.episodes == 18
    assert len(drama.specials) == 2
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    assert "TVmaze has nothing new" in text
    assert len(posts(tv, channel, start)) == 1


async def test_a_tvmaze_preemption_moves_the_dramas_scheduled_event(
    tv: BotEnv, tvmaze: FakeTvmaze
) -> None:
    await import_announced(tv)
    (drama,) = await dramas(tv)
    await tv.reply(tv.mod_id, "drama", "events", drama=str(drama.drama_id), state="on")

    def event_starts() -> list[datetime]:
        events = tv.fake.scheduled_events(tv.guild_id, finished=False)
        return [datetime.fromisoformat(e["scheduled_start_time"]) for e in events]

    first_two = [kst(2018, 6, 6), kst(2018, 6, 7)]

    async def listed(expected: list[datetime]) -> bool:
        return event_starts() == expected

    await until(lambda: listed(first_two), "the first two episodes as events")
    tvmaze.preempt(SECRETARY_KIM, date(2018, 6, 7))
    text = await tv.reply(tv.mod_id, "drama", "refresh", drama="Secretary Kim")
    assert "No episode on Thu 7 Jun (pre-empted)" in text
    # Episode 2 now airs the next Wednesday: the same event, moved by the import's change.
    await until(lambda: listed([kst(2018, 6, 6), kst(2018, 6, 13)]), "episode 2's event moved")


async def test_a_change_from_tvmaze_is_logged_with_its_server_and_drama(
    tv: BotEnv, tvmaze: FakeTvmaze, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cogs.airtime")
    await import_announced(tv)
    (drama,) = await dramas(tv)
    tvmaze.preempt(SECRETARY_KIM, date(2018, 6, 20))
    await tv.advance_to(datetime(2018, 6, 2, 10, 5, tzinfo=UTC))  # the daily check

    async def logged() -> bool:
        return any(r.getMessage() == "tvmaze change applied" for r in caplog.records)

    await until(logged, "the applied change logged")
    (record,) = [r for r in caplog.records if r.getMessage() == "tvmaze change applied"]
    assert (record.__dict__.get("guild_id"), record.__dict__.get("drama_id")) == (
        tv.guild_id,
        drama.drama_id,
    )
