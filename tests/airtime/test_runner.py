"""The announcer with a real store and scheduler; only Discord (the sender) is stood in for."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.db import Database, StorageUnavailable
from bot.outbox import Outbox
from bot.problems import FeatureProblems, Problems
from bot.scheduler import Scheduler
from bot.shards import GuildScope
from cogs.airtime.announce import Announcement
from cogs.airtime.keys import NAME, SWEEP_JOB, job_id
from cogs.airtime.late import LateCourier
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.planner import HORIZON
from cogs.airtime.records import AddSpecial, Drama, Move
from cogs.airtime.runner import Announcer, CannotCheck, SendRefused
from cogs.airtime.store import AirtimeStore
from tests.airtime.test_store import KIM, guild_on_shard

EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)


@dataclass
class StubDiscord:
    """Discord's side: records posts; can fail, refuse, or hide history."""

    posts: list[tuple[int, str, int | None]] = field(default_factory=list)
    fail_next: Exception | None = None
    history: dict[int, list[tuple[datetime, str]]] = field(default_factory=dict)
    history_error: bool = False
    now: FixedClock | None = None
    during_send: Callable[[], Awaitable[None]] | None = None

    async def send(self, channel_id: int, content: str, role_id: int | None, drama_id: int) -> int:
        if self.during_send is not None:
            hook, self.during_send = self.during_send, None
            await hook()
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.posts.append((channel_id, content, role_id))
        assert self.now is not None
        self.history.setdefault(channel_id, []).append((self.now.now(), content))
        return len(self.posts)

    async def find_sent(self, channel_id: int, after: datetime, prefix: str) -> int | None:
        if self.history_error:
            raise CannotCheck("403")
        for index, (at, content) in enumerate(self.history.get(channel_id, [])):
            if at >= after and content.startswith(prefix):
                return index + 1
        return None


@pytest.fixture
async def world(db: Database) -> AsyncIterator[tuple[Announcer, StubDiscord, FixedClock, int]]:
    clock = FixedClock(EP1 - timedelta(hours=3))
    store = AirtimeStore(db)
    ledger = LedgerStore(db)
    drama_id = await store.add_drama(KIM, created_by=1, now=clock.now())
    await store.set_announce(drama_id, channel_id=50, role_id=60, leads=(30,), now=clock.now())
    discord = StubDiscord(now=clock)
    scheduler = Scheduler()
    # Started (so jobs replace each other like in the bot) but paused: these tests call the
    # job functions themselves at the FixedClock's time.
    scheduler._scheduler.start(paused=True)
    problems = Problems(db, clock).of(NAME)
    outbox = Outbox(db, clock)
    outbox.register(NAME, LateCourier(ledger, discord, problems, clock))
    announcer = Announcer(store, ledger, scheduler, clock, discord, problems, outbox)
    try:
        yield announcer, discord, clock, drama_id
    finally:
        scheduler.shutdown()


async def states(announcer: Announcer, drama_id: int) -> dict[tuple[str, str], str]:
    return {key: row.state for key, row in (await announcer.ledger.ledger(drama_id)).items()}


async def open_problems(announcer: Announcer) -> dict[str, str]:
    problems = announcer.problems
    assert isinstance(problems, FeatureProblems)
    return {p.key: p.message for p in await problems.list(KIM.guild_id)}


async def test_rebuild_plans_one_job_at_the_next_announcement(world) -> None:
    announcer, _, _, drama_id = world
    assert await announcer.rebuild() == 1
    assert announcer.scheduler.next_run(job_id(drama_id)) == EP1 - timedelta(minutes=30)


async def test_far_announcements_wait_in_the_heap_until_the_sweep(world) -> None:
    announcer, _, clock, drama_id = world
    clock.set(EP1 - timedelta(days=3))
    await announcer.rebuild()
    assert announcer.scheduler.next_run(job_id(drama_id)) is None
    assert [entry[2] for entry in announcer.planner.later] == [drama_id]
    sweep_at = announcer.scheduler.next_run(SWEEP_JOB)
    assert sweep_at is not None
    assert sweep_at <= clock.now() + timedelta(hours=1)
    clock.set(EP1 - timedelta(minutes=30) - HORIZON + timedelta(seconds=1))
    await announcer.planner.sweep()
    assert announcer.scheduler.next_run(job_id(drama_id)) == EP1 - timedelta(minutes=30)


async def test_unknown_send_outcome_is_verified_then_sent_once(world) -> None:
    announcer, discord, clock, drama_id = world
    await announcer.rebuild()  # the bot is up, and stays up
    clock.set(EP1 - timedelta(minutes=30))
    discord.fail_next = RuntimeError("502 from Discord after retries")
    await announcer.run(KIM.guild_id, drama_id)
    assert discord.posts == []
    assert await states(announcer, drama_id) == {("1", "remind30"): "claimed"}
    assert announcer.scheduler.next_run(job_id(drama_id)) == clock.now() + timedelta(seconds=60)
    clock.set(clock.now() + timedelta(minutes=1, seconds=1))
    await announcer.run(KIM.guild_id, drama_id)  # history shows nothing: send (late)
    assert len(discord.posts) == 1
    # Late because Discord failed for a minute; the bot never went offline.
    assert discord.posts[0][1].endswith("(late: Discord was unavailable)")
    assert "offline" not in discord.posts[0][1]
    await announcer.run(KIM.guild_id, drama_id)
    assert len(discord.posts) == 1
    assert await states(announcer, drama_id) == {("1", "remind30"): "sent"}


async def test_a_claim_left_by_a_crash_is_sent_late_saying_the_bot_was_offline(world) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 - timedelta(minutes=30))
    discord.fail_next = RuntimeError("killed while sending")
    await announcer.run(KIM.guild_id, drama_id)
    clock.set(clock.now() + timedelta(minutes=5))
    await announcer.rebuild()  # the next process starts
    await announcer.run(KIM.guild_id, drama_id)
    assert await announcer.outbox.deliver()
    assert len(discord.posts) == 1
    assert discord.posts[0][1].endswith("(late: I was offline)")
    ledger = await announcer.ledger.ledger(drama_id)
    assert (ledger[("1", "remind30")].state, ledger[("1", "remind30")].message_id) == ("sent", 1)


async def test_a_late_post_owed_at_start_up_survives_more_crashes_and_goes_out_once(
    world, db: Database
) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 + timedelta(minutes=10))  # the bot was down when episode 1 went on air
    await announcer.rebuild()
    await announcer.run(KIM.guild_id, drama_id)
    assert discord.posts == []  # owed (ledger + outbox, one transaction), not yet delivered
    assert await states(announcer, drama_id) == {
        ("1", "remind30"): "skipped",
        ("1", "onair"): "sent",
    }
    # Crashes keep the bot away past the on-air post's 30 minutes of grace: still owed.
    clock.set(EP1 + timedelta(hours=2))
    await announcer.rebuild()
    await announcer.run(KIM.guild_id, drama_id)
    next_run = Outbox(db, clock)  # a later process's outbox
    next_run.register(NAME, LateCourier(announcer.ledger, discord, announcer.problems, clock))
    assert await next_run.deliver()
    assert await next_run.deliver()
    assert [post[1].split(" is on air")[0] for post in discord.posts] == [
        "<@&60> 📺 **Secretary Kim** episode 1"
    ]
    assert discord.posts[0][1].endswith("(late: I was offline)")
    assert (await announcer.ledger.ledger(drama_id))[("1", "onair")].message_id == 1


async def test_a_late_post_refused_by_discord_marks_the_ledger_and_tells_moderators(world) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 + timedelta(minutes=10))
    await announcer.rebuild()
    await announcer.run(KIM.guild_id, drama_id)
    discord.fail_next = SendRefused("the channel no longer exists.")
    assert await announcer.outbox.deliver()
    assert discord.posts == []
    assert (await states(announcer, drama_id))[("1", "onair")] == "failed"
    problems = await open_problems(announcer)
    assert (
        "cannot be posted in <#50>: the channel no longer exists."
        in problems[f"announce:{drama_id}"]
    )


async def test_unverifiable_claim_is_never_resent(world) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 - timedelta(minutes=30))
    discord.fail_next = RuntimeError("connection reset")
    await announcer.run(KIM.guild_id, drama_id)
    discord.history_error = True
    await announcer.run(KIM.guild_id, drama_id)
    assert discord.posts == []
    assert await states(announcer, drama_id) == {("1", "remind30"): "uncertain"}


async def test_refusal_is_reported_and_cleared_by_the_next_success(world) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 - timedelta(minutes=30))
    discord.fail_next = SendRefused("the channel no longer exists.")
    await announcer.run(KIM.guild_id, drama_id)
    assert list(await open_problems(announcer)) == [f"announce:{drama_id}"]
    clock.set(EP1)
    await announcer.run(KIM.guild_id, drama_id)
    assert await open_problems(announcer) == {}
    assert await states(announcer, drama_id) == {
        ("1", "remind30"): "failed",
        ("1", "onair"): "sent",
    }


async def test_removed_drama_job_does_nothing(world) -> None:
    announcer, discord, clock, drama_id = world
    await announcer.store.remove_drama(drama_id)
    clock.set(EP1)
    await announcer.run(KIM.guild_id, drama_id)
    assert discord.posts == []


async def test_drama_without_announcements_gets_no_job(world) -> None:
    announcer, _, _, drama_id = world
    await announcer.store.set_announce(drama_id, channel_id=None, role_id=None, leads=(),
                                       now=EP1)  # fmt: skip
    assert await announcer.rebuild() == 0
    assert announcer.scheduler.job_ids("airtime:") == []
    assert replace(KIM).title == "Secretary Kim"


async def test_a_change_made_while_a_post_is_in_flight_is_not_overwritten(world) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 - timedelta(minutes=30))

    async def moderator_adds_a_15_min_reminder() -> None:
        await announcer.store.set_announce(drama_id, channel_id=50, role_id=60, leads=(30, 15),
                                           now=clock.now())  # fmt: skip
        await announcer.refresh(KIM.guild_id, drama_id)

    discord.during_send = moderator_adds_a_15_min_reminder
    await announcer.run(KIM.guild_id, drama_id)
    assert len(discord.posts) == 1
    assert announcer.scheduler.next_run(job_id(drama_id)) == EP1 - timedelta(minutes=15)


async def test_a_pending_claim_does_not_delay_a_sooner_announcement(world) -> None:
    announcer, discord, clock, drama_id = world
    await announcer.store.set_announce(drama_id, channel_id=50, role_id=60, leads=(31, 30),
                                       now=clock.now())  # fmt: skip
    clock.set(EP1 - timedelta(minutes=30, seconds=30))
    discord.fail_next = RuntimeError("502 from Discord after retries")
    await announcer.run(KIM.guild_id, drama_id)
    assert await states(announcer, drama_id) == {("1", "remind31"): "claimed"}
    # The 30-minute reminder is due in 30 s: the retry (in 60 s) must not push it later.
    assert announcer.scheduler.next_run(job_id(drama_id)) == EP1 - timedelta(minutes=30)


async def test_a_drama_the_sweep_could_not_read_is_kept_for_the_next_sweep(world) -> None:
    announcer, _, clock, drama_id = world
    clock.set(EP1 - timedelta(days=3))
    await announcer.rebuild()
    db = announcer.store.db
    real_reading = db.reading
    calls = {"n": 0}

    def unavailable_once():  # the database server (the outside world) is away once
        calls["n"] += 1
        if calls["n"] == 1:
            raise StorageUnavailable("connection refused")
        return real_reading()

    db.reading = unavailable_once  # type: ignore[method-assign]
    clock.set(EP1 - timedelta(minutes=30) - HORIZON + timedelta(seconds=1))
    await announcer.planner.sweep()
    assert announcer.scheduler.next_run(job_id(drama_id)) is None
    assert [entry[2] for entry in announcer.planner.later] == [drama_id]
    sweep_at = announcer.scheduler.next_run(SWEEP_JOB)
    assert sweep_at is not None
    clock.set(sweep_at)
    await announcer.planner.sweep()
    assert announcer.scheduler.next_run(job_id(drama_id)) == EP1 - timedelta(minutes=30)


async def test_a_special_added_inside_the_hour_is_armed_though_the_drama_waited_in_the_heap(
    world,
) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 - timedelta(days=3))
    await announcer.store.set_announce(drama_id, channel_id=50, role_id=60, leads=(30,),
                                       now=clock.now())  # fmt: skip
    await announcer.rebuild()
    assert announcer.scheduler.next_run(job_id(drama_id)) is None
    special_at = clock.now() + timedelta(minutes=40)
    await announcer.store.reschedule(
        KIM.guild_id, drama_id, [AddSpecial(special_at, "Preview")], clock.now()
    )
    assert await announcer.refresh(KIM.guild_id, drama_id) == special_at - timedelta(minutes=30)
    assert announcer.scheduler.next_run(job_id(drama_id)) == special_at - timedelta(minutes=30)
    clock.set(special_at - timedelta(minutes=30))
    await announcer.run(KIM.guild_id, drama_id)
    assert [post[1].split(" airs ")[0] for post in discord.posts] == [
        "<@&60> ⏰ **Secretary Kim** special: Preview"
    ]
    assert announcer.scheduler.next_run(job_id(drama_id)) == special_at


async def test_a_reminder_due_earlier_after_a_move_is_sent_without_blaming_downtime(world) -> None:
    announcer, discord, clock, drama_id = world
    await announcer.rebuild()  # the bot has been up since 3 h before episode 1
    clock.set(EP1 - timedelta(minutes=60))
    moved_to = EP1 - timedelta(minutes=45)  # the 30-min reminder's moment just passed
    await announcer.store.reschedule(KIM.guild_id, drama_id, [Move(1, moved_to)], clock.now())
    assert await announcer.refresh(KIM.guild_id, drama_id) == clock.now()
    await announcer.run(KIM.guild_id, drama_id)
    assert len(discord.posts) == 1
    assert "late" not in discord.posts[0][1]
    assert f"<t:{int(moved_to.timestamp())}:R>" in discord.posts[0][1]


async def test_shard_0_of_2_arms_and_posts_only_its_own_guilds_dramas(world) -> None:
    announcer, discord, clock, mine = world
    theirs_guild = guild_on_shard(1, 2)
    theirs = await announcer.store.add_drama(
        replace(KIM, guild_id=theirs_guild), created_by=1, now=clock.now()
    )
    await announcer.store.set_announce(theirs, channel_id=51, role_id=None, leads=(30,),
                                       now=clock.now())  # fmt: skip
    announcer.start(GuildScope.of_shards(2, [0]))
    assert await announcer.planner.armed() == 1
    assert announcer.scheduler.job_ids("airtime:") == [job_id(mine)]
    clock.set(EP1 - timedelta(minutes=30))
    await announcer.run(KIM.guild_id, mine)
    await announcer.run(theirs_guild, theirs)  # even if its job were run here, it posts nothing
    await announcer.refresh(theirs_guild, theirs)
    assert [post[0] for post in discord.posts] == [50]
    assert announcer.scheduler.job_ids("airtime:") == [job_id(mine)]
    assert await announcer.ledger.ledger(theirs) == {}


async def test_a_drama_replanned_while_start_up_arms_it_keeps_the_new_plan(world) -> None:
    announcer, _, clock, drama_id = world
    store = announcer.store
    pages = store.announcing_dramas

    async def moderator_changes_reminders_meanwhile(*args, **kwargs):
        async for page in pages(*args, **kwargs):
            # The page was read; before it is armed, a moderator adds a 15-minute reminder.
            await store.set_announce(drama_id, channel_id=50, role_id=60, leads=(15,),
                                     now=clock.now())  # fmt: skip
            await announcer.refresh(KIM.guild_id, drama_id)
            yield page

    store.announcing_dramas = moderator_changes_reminders_meanwhile  # type: ignore[method-assign]
    announcer.start(GuildScope.everything())
    await announcer.planner.armed()
    assert announcer.scheduler.next_run(job_id(drama_id)) == EP1 - timedelta(minutes=15)


async def test_an_announcement_due_while_start_up_arms_is_sent_once_on_time(world) -> None:
    announcer, discord, clock, drama_id = world
    clock.set(EP1 - timedelta(minutes=30, seconds=-20))  # the reminder fell due 20 s ago
    announcer.start(GuildScope.everything())
    await announcer.planner.armed()
    assert announcer.scheduler.next_run(job_id(drama_id)) == clock.now()
    await announcer.run(KIM.guild_id, drama_id)
    await announcer.run(KIM.guild_id, drama_id)
    assert len(discord.posts) == 1
    assert "late" not in discord.posts[0][1]


async def test_a_failing_extra_line_is_left_out_and_logged_with_its_server_and_drama(
    world, caplog: pytest.LogCaptureFixture
) -> None:
    announcer, discord, clock, drama_id = world

    async def broken(drama: Drama, item: Announcement) -> str | None:
        raise RuntimeError("thread store unavailable")

    announcer.extras.append(broken)
    await announcer.rebuild()
    clock.set(EP1 - timedelta(minutes=30))
    await announcer.run(KIM.guild_id, drama_id)
    assert len(discord.posts) == 1
    (record,) = [r for r in caplog.records if r.getMessage() == "extra line for a post failed"]
    assert record.levelno == logging.ERROR
    assert (record.guild_id, record.drama_id) == (KIM.guild_id, drama_id)
