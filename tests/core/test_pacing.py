"""Requests under Discord's global limit: servers served in turn, none behind another's queue."""

from __future__ import annotations

import asyncio

from bot.pacing import FairPacer, RoundRobin


def test_round_robin_takes_one_key_at_a_time_first_come_within_a_key() -> None:
    queue: RoundRobin[str] = RoundRobin()
    for key, item in [("a", "a1"), ("a", "a2"), ("a", "a3"), ("b", "b1"), ("c", "c1")]:
        queue.push(key, item)
    taken = [queue.pop()]
    queue.push("b", "b2")  # arrives meanwhile: behind b1, b keeps its place in the turn
    while queue:
        taken.append(queue.pop())
    assert taken == ["a1", "b1", "c1", "a2", "b2", "a3"]


async def test_waiting_requests_go_one_server_at_a_time() -> None:
    pacer = FairPacer(rate=1000)
    started: list[str] = []

    async def request(server: str, name: str) -> None:
        await pacer.turn(server)
        started.append(name)

    await asyncio.gather(
        *(request(server, name) for server, name in
          [("busy", "b1"), ("busy", "b2"), ("busy", "b3"), ("busy", "b4"), ("one", "o1"),
           ("two", "t1")])
    )  # fmt: skip
    # b1 starts at once; then each server in turn, not the busy one's whole queue first.
    assert started == ["b1", "b2", "o1", "t1", "b3", "b4"]


async def test_a_request_that_gives_up_waiting_does_not_stall_the_others() -> None:
    pacer = FairPacer(rate=1000)
    await pacer.turn("a")
    given_up = asyncio.ensure_future(pacer.turn("a"))
    patient = asyncio.ensure_future(pacer.turn("b"))
    await asyncio.sleep(0)
    given_up.cancel()
    await patient
    assert given_up.cancelled()
