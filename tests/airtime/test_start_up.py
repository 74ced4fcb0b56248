"""Start-up arms what falls due soon before the gateway connects, and the rest after READY."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from cogs.airtime.keys import job_id
from cogs.airtime.planner import NEAR, may_fall_due
from cogs.airtime.records import Outline
from tests.airtime.helpers import EP1, drama_id, ledger, posts, setup_announced
from tests.harness import BotEnv, until

# Wed 2018-06-06 21:30 KST is 12:30 UTC; 2018-06-10 is a Sunday.
WED = datetime(2018, 6, 6, 12, 0, tzinfo=UTC)


def outline(slots: str, *, premiere: str = "2018-05-01", remind: str = "30",
            delay: int | None = None) -> Outline:  # fmt: skip
    return Outline(1, slots, premiere, remind, delay)


@pytest.mark.parametrize(
    ("drama", "now", "near"),
    [
        (outline("2@21:30"), WED, True),  # its reminder is due now
        (outline("2@21:30", remind=""), WED, True),  # on air within the hour
        (outline("2@23:30", remind=""), WED, False),  # two hours away
        (outline("2@23:30", remind="120"), WED, True),  # ... but reminded two hours before
        (outline("2@21:30", premiere="2018-06-13"), WED, False),  # premieres next week
        (outline("2@21:30", premiere="2018-06-06"), WED, True),  # premieres tonight
        (outline("2@20:00", remind=""), WED, True),  # on air 90 min ago: its post owed till 21:00
        (outline("2@18:00", remind="", delay=240), WED, True),  # streaming post due 22:00
        (outline("2@18:00", remind=""), WED, False),  # nothing owed any more
        (outline("6@23:50", remind=""), datetime(2018, 6, 10, 14, 30, tzinfo=UTC), True),  # Sun
        (outline("0@00:10", remind=""), datetime(2018, 6, 10, 14, 30, tzinfo=UTC), True),  # Mon
        (outline("0@00:10,3@21:30", remind="1440"), WED, True),  # reminded a day ahead
        (outline("", remind=""), WED, False),  # no slots
    ],
)
def test_may_fall_due_never_misses_a_drama_due_soon(
    drama: Outline, now: datetime, near: bool
) -> None:
    assert may_fall_due(drama, now, NEAR) is near


async def test_an_announcement_due_while_the_bot_connects_is_posted_exactly_once(
    env: BotEnv,
) -> None:
    _, channel, role = await setup_announced(env, remind="30")
    # Thu 01:00 KST: four hours after the restart below, well past what is armed first.
    await env.reply(env.mod_id, "drama", "add", title="Far Away", network="KBS", days="Thu",
                    time="01:00", premiere="2018-06-07", episodes=16, runtime=60)  # fmt: skip
    far = await env.reply(env.mod_id, "drama", "announce", drama="Far Away", channel=channel,
                          remind="none")  # fmt: skip
    assert "Next announcement" in far
    far_id = await drama_id(env, "Far Away")
    await env.stop()
    env.travel_to(EP1 - timedelta(minutes=31))
    connecting = env.fake.gate("GET", r"/gateway/bot")
    starting = asyncio.create_task(env.start())
    await connecting.next()  # set up and armed what is near; the gateway is not asked yet
    assert env.running.scheduler.next_run(job_id(far_id)) is None  # the rest waits for READY
    start = len(env.fake.requests)
    await env.advance_to(EP1 - timedelta(minutes=30))  # the reminder falls due now
    reminder = await env.fake.wait_for_request("POST", f"/channels/{channel}/messages", after=start)
    assert reminder.json["content"].startswith(f"<@&{role}> ⏰")
    assert "late" not in reminder.json["content"]
    connecting.open()
    bot = await starting

    async def far_armed() -> bool:
        return bot.scheduler.next_run(job_id(far_id)) is not None

    await until(far_armed, "the far drama armed after READY")
    await env.settle()
    assert len(posts(env, channel, start)) == 1
    assert ("1", "remind30", "sent") in await ledger(env)
