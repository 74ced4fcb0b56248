"""The scheduler wrapper: schedule, replace, cancel, run late jobs, wake on a clock jump."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.scheduler import Scheduler


@pytest.fixture
async def scheduler() -> AsyncIterator[Scheduler]:
    sched = Scheduler()
    sched.start()
    yield sched
    sched.shutdown()


async def _until(predicate: object, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.01)


async def test_schedule_replace_and_cancel(scheduler: Scheduler) -> None:
    ran: list[str] = []

    async def job(name: str) -> None:
        ran.append(name)

    later = datetime.now(UTC) + timedelta(hours=1)
    scheduler.schedule("x:1", later, job, "first")
    scheduler.schedule("x:1", later + timedelta(minutes=5), job, "second")
    scheduler.schedule("x:2", later, job, "other")
    assert sorted(scheduler.job_ids("x:")) == ["x:1", "x:2"]
    assert scheduler.next_run("x:1") == later + timedelta(minutes=5)
    assert scheduler.cancel("x:2") is True
    assert scheduler.cancel("x:2") is False
    assert scheduler.cancel_prefix("x:") == 1
    assert scheduler.job_ids() == []
    assert ran == []


async def test_past_job_runs_at_once(scheduler: Scheduler) -> None:
    ran: list[int] = []

    async def job() -> None:
        ran.append(1)

    scheduler.schedule("late", datetime.now(UTC) - timedelta(days=2), job)
    await _until(lambda: ran == [1])


async def test_clock_jump_and_wakeup_runs_due_job(scheduler: Scheduler) -> None:
    ran: list[datetime] = []

    async def job() -> None:
        ran.append(datetime.now(UTC))

    start = datetime(2018, 6, 6, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=True) as traveller:
        scheduler.schedule("air", start + timedelta(hours=2), job)
        await asyncio.sleep(0.05)
        assert ran == []
        traveller.move_to(start + timedelta(hours=2, seconds=1))
        scheduler.wakeup()
        await _until(lambda: len(ran) == 1)
    assert ran[0] >= start + timedelta(hours=2)


def test_naive_datetime_refused() -> None:
    async def job() -> None:
        return None

    with pytest.raises(ValueError, match="aware"):
        Scheduler().schedule("x", datetime(2020, 1, 1), job)  # noqa: DTZ001 - the point
