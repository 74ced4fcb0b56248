"""Group commit: requests made at the same moment run in one call; a bad one fails alone."""

from __future__ import annotations

import asyncio

import pytest

from bot.batch import Batcher


class Doubler:
    """Doubles numbers; refuses negative ones (one refusal fails the whole call)."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def run(self, numbers: list[int]) -> list[int]:
        self.calls.append(numbers)
        await asyncio.sleep(0)
        if any(n < 0 for n in numbers):
            raise ValueError("negative")
        return [n * 2 for n in numbers]


async def test_requests_made_together_run_in_one_call_and_each_gets_its_own_answer() -> None:
    doubler = Doubler()
    batcher = Batcher(doubler.run)
    assert await asyncio.gather(*(batcher.submit(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert doubler.calls == [[0, 1, 2, 3, 4]]


async def test_a_batch_is_split_at_its_limit() -> None:
    doubler = Doubler()
    batcher = Batcher(doubler.run, max_batch=2)
    assert await asyncio.gather(*(batcher.submit(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert doubler.calls == [[0, 1], [2, 3], [4]]


async def test_a_bad_request_fails_alone() -> None:
    doubler = Doubler()
    batcher = Batcher(doubler.run)
    results = await asyncio.gather(*(batcher.submit(n) for n in (1, -1, 3)), return_exceptions=True)
    assert results[0] == 2
    assert isinstance(results[1], ValueError)
    assert results[2] == 6


async def test_requests_arriving_while_a_batch_runs_form_the_next_one() -> None:
    doubler = Doubler()
    batcher = Batcher(doubler.run)
    first = asyncio.ensure_future(batcher.submit(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first batch is running now
    later = await asyncio.gather(batcher.submit(2), batcher.submit(3))
    assert (await first, later) == (2, [4, 6])
    assert doubler.calls == [[1], [2, 3]]


async def test_a_caller_that_gives_up_does_not_break_the_others() -> None:
    doubler = Doubler()
    batcher = Batcher(doubler.run)
    impatient = asyncio.ensure_future(batcher.submit(1))
    patient = asyncio.ensure_future(batcher.submit(2))
    await asyncio.sleep(0)
    impatient.cancel()
    assert await patient == 4
    with pytest.raises(asyncio.CancelledError):
        await impatient
