"""Votes across restarts: live reactions racing the start-up read of the poll message."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.harness import BotEnv
from tests.polls.helpers import (
    create,
    held_reactions,
    polls_service,
    react,
    removals_of,
    unreact,
    votes,
    wait_for_reactions,
    wait_votes,
)

RIBBON, GIGGLE, DRESS = "🎀", "🤭", "👗"
LOOKS = [RIBBON, GIGGLE, DRESS]


async def test_vote_survives_adds_during_the_start_up_read(env: BotEnv) -> None:
    poll_id, message = await create(
        env, question="Best look?", options=f"{RIBBON} bow | {GIGGLE} giggle | {DRESS} dress"
    )
    await react(env, message, env.fan_id, RIBBON)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    await env.stop()
    fake = env.fake
    read = fake.gate("GET", rf"/channels/{env.channel_id}/messages/{message['id']}")
    start = len(fake.requests)
    await env.start()
    await read.next()  # the bot's start-up read of the poll message is slow...
    await react(env, message, env.fan_id, GIGGLE)  # ...and meanwhile the fan changes his mind
    await react(env, message, env.fan_id, DRESS)  # twice
    read.open()
    await wait_for_reactions(env, message, LOOKS, {(env.fan_id, 2)})  # his last one, only
    await wait_votes(env, poll_id, [(env.fan_id, 2)])
    assert removals_of(env, env.fan_id, DRESS, start) == []
    text = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert "No votes yet" not in text
    assert "Leading: 👗 dress · 1 voter" in text


# --- many orders ----------------------------------------------------------------------------
OPTIONS = ["🔥", "💋", "😭", "👑"]


@dataclass
class Fans:
    """The fans' side of the story: who holds what, and each fan's last reaction added."""

    env: BotEnv
    message: dict[str, Any]
    rng: random.Random
    ids: list[int]
    last_added: dict[int, tuple[str, int]] = field(default_factory=dict)  # emoji, request no.

    def holds(self, user: int) -> set[str]:
        return {OPTIONS[p] for u, p in held_reactions(self.env, self.message, OPTIONS) if u == user}

    async def act(self) -> None:
        """One fan adds or takes back one reaction, live."""
        user = self.rng.choice(self.ids)
        emoji = self.rng.choice(OPTIONS)
        if emoji in self.holds(user):
            await unreact(self.env, self.message, user, emoji)
        else:
            await react(self.env, self.message, user, emoji)
            self.last_added[user] = (emoji, len(self.env.fake.requests))

    def act_offline(self) -> None:
        """While the bot is down: take reactions back; add at most one new one per fan."""
        fake, env = self.env.fake, self.env
        mid = int(self.message["id"])
        for user in self.ids:
            for emoji in self.holds(user):
                if self.rng.random() < 0.3:
                    fake.remove_reaction_offline(env.guild_id, env.channel_id, mid, user, emoji)
            spare = [e for e in OPTIONS if e not in self.holds(user)]
            if spare and self.rng.random() < 0.6:
                emoji = self.rng.choice(spare)
                fake.add_reaction_offline(env.guild_id, env.channel_id, mid, user, emoji)
                self.last_added[user] = (emoji, len(fake.requests))


async def _settle(env: BotEnv) -> None:
    """Every event parsed, every vote committed, every tidying request answered."""
    for _ in range(20):
        before = len(env.fake.requests)
        await env.fake.sync()
        await polls_service(env).idle()
        await env.fake.sync()
        if len(env.fake.requests) == before:
            return
    raise AssertionError("the bot did not settle")


async def _restart_racing_the_read(env: BotEnv, fans: Fans, poll_id: int) -> None:
    """Restart; while each REST read of the poll is held, fans act; then release it."""
    gate = env.fake.gate("GET", rf"/channels/{env.channel_id}/messages/{fans.message['id']}.*")
    await env.start()
    done = asyncio.ensure_future(polls_service(env).reconciled(poll_id))
    try:
        while not done.done():
            held = asyncio.ensure_future(gate.next())
            await asyncio.wait({held, done}, return_when=asyncio.FIRST_COMPLETED)
            if not held.done():
                held.cancel()
                break
            for _ in range(fans.rng.randint(0, 3)):
                await fans.act()
            gate.release()
    finally:
        gate.open()
        env.fake.gates.remove(gate)
    assert len(gate.passed) >= 2, "the message and at least one emoji were read"


def _check(env: BotEnv, fans: Fans, *, multi: bool) -> None:
    """No fan lost the reaction they added last to the bot; single choice leaves one each."""
    for user, (emoji, since) in fans.last_added.items():
        assert not removals_of(env, user, emoji, since), f"the bot removed {emoji} of {user}"
    if not multi:
        held = held_reactions(env, fans.message, OPTIONS)
        for user in fans.ids:
            assert len([p for u, p in held if u == user]) <= 1, "single choice: one reaction"


@pytest.mark.parametrize("multi", [False, True], ids=["single", "multi"])
@pytest.mark.parametrize("seed", range(4))
async def test_votes_equal_reactions_whatever_the_order_of_events_and_read(
    env: BotEnv, multi: bool, seed: int
) -> None:
    ids = [env.fan_id, env.fan2_id, env.mod_id]
    ids += [env.fake.add_member(env.guild_id, name=f"fan{n}") for n in range(3)]
    poll_id, message = await create(
        env, question="Best scene?", options=" | ".join(f"{e} s{n}" for n, e in enumerate(OPTIONS)),
        multi=multi,
    )  # fmt: skip
    fans = Fans(env, message, random.Random(seed), ids)
    for _ in range(8):
        await fans.act()
        await _settle(env)
    for _round in range(3):
        await env.stop()
        fans.act_offline()
        await _restart_racing_the_read(env, fans, poll_id)
        await _settle(env)
        for _ in range(4):
            await fans.act()
            await _settle(env)
        assert set(await votes(env, poll_id)) == held_reactions(env, message, OPTIONS)
        _check(env, fans, multi=multi)
