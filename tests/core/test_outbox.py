"""The outbox with a real database; only Discord (the courier's channel) is stood in for."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.db import Database
from bot.outbox import CannotCheck, Notice, Outbox, Undeliverable

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@dataclass
class StubChannels:
    """Discord's side: the messages posted per channel; sends can fail or be refused."""

    clock: FixedClock
    posted: dict[int, list[tuple[datetime, str, int]]] = field(default_factory=dict)
    fail_next: Exception | None = None
    unreadable: bool = False
    settled_rows: list[tuple[str, str, int | None, bool]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    async def send(self, notice: Notice) -> int:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        message_id = sum(len(v) for v in self.posted.values()) + 1
        self.posted.setdefault(notice.channel_id, []).append(
            (self.clock.now(), notice.content, message_id)
        )
        return message_id

    async def find(self, notice: Notice, after: datetime) -> int | None:
        if self.unreadable:
            raise CannotCheck("403")
        for at, content, message_id in self.posted.get(notice.channel_id, []):
            if at >= after and content == notice.content:
                return message_id
        return None

    async def settled(self, conn, notice: Notice, state: str, message_id: int | None) -> None:
        self.settled_rows.append((notice.key, state, message_id, conn.in_transaction))

    async def refused(self, notice: Notice, reason: str) -> None:
        self.refusals.append(reason)

    def texts(self, channel_id: int) -> list[str]:
        return [content for _, content, _ in self.posted.get(channel_id, [])]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def channels(clock: FixedClock) -> StubChannels:
    return StubChannels(clock)


@pytest.fixture
def outbox(db: Database, clock: FixedClock, channels: StubChannels) -> Outbox:
    box = Outbox(db, clock)
    box.register("trivia", channels)
    return box


async def owe_in(outbox: Outbox, conn, key: str, channel_id: int = 10, feature: str = "trivia"):
    return await outbox.owe(
        conn, feature=feature, key=key, guild_id=1, channel_id=channel_id, content=f"n {key}"
    )


async def owe(outbox: Outbox, key: str, channel_id: int = 10, feature: str = "trivia") -> bool:
    async with outbox.db.transaction() as conn:
        return await owe_in(outbox, conn, key, channel_id, feature)


async def states(outbox: Outbox) -> dict[str, str]:
    rows = await outbox.db.fetch_all("SELECT notice_key, state FROM outbox ORDER BY notice_id")
    return {row[0]: row[1] for row in rows}


async def test_a_notice_is_delivered_once(outbox: Outbox, channels: StubChannels) -> None:
    assert await owe(outbox, "a")
    assert not await owe(outbox, "a")  # one row per fact owed
    assert await outbox.deliver()
    assert await outbox.deliver()
    assert channels.texts(10) == ["n a"]
    assert await states(outbox) == {"a": "sent"}
    assert channels.settled_rows == [("a", "sent", 1, True)]


async def test_a_notice_written_in_a_rolled_back_transaction_is_not_owed(outbox: Outbox) -> None:
    async def decide_then_fail() -> None:
        async with outbox.db.transaction() as conn:
            await owe_in(outbox, conn, "a")
            raise RuntimeError("the decision failed")

    with pytest.raises(RuntimeError):
        await decide_then_fail()
    assert await states(outbox) == {}


async def test_a_claim_left_by_a_crash_before_the_send_is_sent(
    outbox: Outbox, channels: StubChannels, clock: FixedClock
) -> None:
    await owe(outbox, "a")
    await outbox._claim((await outbox.open_notices())[0])  # the run died right after this
    clock.set(NOW + timedelta(minutes=5))
    assert await outbox.deliver()
    assert channels.texts(10) == ["n a"]
    assert await states(outbox) == {"a": "sent"}


async def test_a_claim_left_by_a_crash_after_the_send_is_only_marked(
    outbox: Outbox, channels: StubChannels
) -> None:
    await owe(outbox, "a")
    notice = (await outbox.open_notices())[0]
    await outbox._claim(notice)
    await channels.send(notice)  # ...posted, then the run died before marking it
    assert await outbox.deliver()
    assert channels.texts(10) == ["n a"]
    assert await states(outbox) == {"a": "sent"}


async def test_an_unverifiable_claim_is_never_resent(
    outbox: Outbox, channels: StubChannels
) -> None:
    await owe(outbox, "a")
    await outbox._claim((await outbox.open_notices())[0])
    channels.unreadable = True
    assert await outbox.deliver()
    assert channels.texts(10) == []
    assert await states(outbox) == {"a": "uncertain"}


async def test_a_refusal_is_recorded_and_reported(outbox: Outbox, channels: StubChannels) -> None:
    await owe(outbox, "a")
    channels.fail_next = Undeliverable("the channel no longer exists")
    assert await outbox.deliver()
    assert await states(outbox) == {"a": "failed"}
    assert channels.refusals == ["the channel no longer exists"]
    assert channels.settled_rows == [("a", "failed", None, True)]


async def test_an_unknown_outcome_is_checked_then_retried_keeping_the_channel_in_order(
    outbox: Outbox, channels: StubChannels
) -> None:
    await owe(outbox, "a", channel_id=10)
    await owe(outbox, "b", channel_id=10)
    await owe(outbox, "c", channel_id=20)
    channels.fail_next = RuntimeError("502 Bad Gateway")
    assert not await outbox.deliver()
    # b waits behind a (its channel's order); c, elsewhere, goes out.
    assert await states(outbox) == {"a": "claimed", "b": "pending", "c": "sent"}
    assert await outbox.deliver()
    assert channels.texts(10) == ["n a", "n b"]
    assert await states(outbox) == {"a": "sent", "b": "sent", "c": "sent"}


async def test_a_feature_whose_cog_is_not_loaded_keeps_its_notices(
    outbox: Outbox, channels: StubChannels
) -> None:
    await owe(outbox, "x", feature="airtime")
    assert await outbox.deliver()
    assert await states(outbox) == {"x": "pending"}
    outbox.register("airtime", channels)
    assert await outbox.deliver()
    assert await states(outbox) == {"x": "sent"}


async def test_the_delivery_task_sends_what_is_owed_and_stops(
    outbox: Outbox, channels: StubChannels
) -> None:
    outbox.start()
    await owe(outbox, "a")
    outbox.wake()
    for _ in range(500):
        if channels.texts(10):
            break
        await asyncio.sleep(0.01)
    await outbox.stop()
    assert channels.texts(10) == ["n a"]
