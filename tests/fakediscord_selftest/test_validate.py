"""Self-test: the fake refuses what real Discord refuses (400 Invalid Form Body + violations)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest
import time_machine
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeDiscord
from tests.fakediscord.validate import (
    check_autocomplete,
    check_commands,
    check_message,
    check_modal,
    error_tree,
)
from tests.fakediscord_selftest.test_fake import Seen, make_bot, running, world


def row(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(items)}


def button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


def embed(**fields: Any) -> dict[str, Any]:
    return {"type": "rich", **fields}


def paths(problems: list[Any]) -> list[str]:
    return [".".join(str(p) for p in problem.path) for problem in problems]


OK_MESSAGES: list[dict[str, Any]] = [
    {"content": "x" * 2000},
    {"embeds": [embed(title="t" * 256, description="d" * 4096)]},
    {"embeds": [embed(description="d" * 1000) for _ in range(6)]},
    {"embeds": [embed(fields=[{"name": "n", "value": "v" * 1024}] * 5)]},
    {"embeds": [embed(title="t", image={"url": "attachment://a.png"})], "attachments": []},
    {"components": [row(*[button(f"b{r}{i}") for i in range(5)]) for r in range(5)]},
    {"components": [row(button("x" * 100, "l" * 80))]},
    {"content": "hi", "allowed_mentions": {"parse": []}},
    {"content": "hi", "allowed_mentions": {"parse": ["users"], "roles": ["1"]}},
    {"content": "hi", "allowed_mentions": {"parse": [], "users": [], "roles": ["1"]}},
    {
        "components": [
            row(
                {
                    "type": 3,
                    "custom_id": "s",
                    "options": [{"label": str(i), "value": str(i)} for i in range(25)],
                }
            )
        ]
    },
    {"poll": {"question": {"text": "q"}, "answers": [{"poll_media": {"text": "a"}}]}},
]

BAD_MESSAGES: list[tuple[dict[str, Any], str]] = [
    ({"content": "x" * 2001}, "content"),
    ({}, ""),
    ({"content": "", "embeds": [], "components": []}, ""),
    ({"content": " \n\t "}, ""),
    ({"embeds": [embed(color=5)]}, "embeds.0.description"),
    ({"embeds": [embed(title="t")] * 11}, "embeds"),
    ({"embeds": [embed(title="t" * 257)]}, "embeds.0.title"),
    ({"embeds": [embed(description="d" * 4097)]}, "embeds.0.description"),
    ({"embeds": [embed(fields=[{"name": "n", "value": "v"}] * 26)]}, "embeds.0.fields"),
    ({"embeds": [embed(fields=[{"name": "n" * 257, "value": "v"}])]}, "embeds.0.fields.0.name"),
    ({"embeds": [embed(fields=[{"name": "n", "value": "v" * 1025}])]}, "embeds.0.fields.0.value"),
    ({"embeds": [embed(fields=[{"name": "n", "value": ""}])]}, "embeds.0.fields.0.value"),
    ({"embeds": [embed(footer={"text": "f" * 2049})]}, "embeds.0.footer.text"),
    ({"embeds": [embed(author={"name": "a" * 257})]}, "embeds.0.author.name"),
    ({"embeds": [embed(description="d" * 4000), embed(description="d" * 2001)]}, "embeds"),
    ({"embeds": [embed(title="t", url="javascript:alert(1)")]}, "embeds.0.url"),
    ({"embeds": [embed(title="t", url="attachment://a.png")]}, "embeds.0.url"),
    ({"embeds": [embed(title="t", image={"url": "ftp://x/a.png"})]}, "embeds.0.image.url"),
    ({"embeds": [embed(title="t", thumbnail={"url": "/a.png"})]}, "embeds.0.thumbnail.url"),
    ({"components": [row(button(f"b{r}")) for r in range(6)]}, "components"),
    ({"components": [row(*[button(f"b{i}") for i in range(6)])]}, "components.0.components"),
    ({"components": [row(button("x" * 101))]}, "components"),
    ({"components": [row(button("same"), button("same"))]}, "components"),
    ({"components": [row(button("a")), row(button("a"))]}, "components"),
    ({"components": [row(button("a", "l" * 81))]}, "components.0.components.0.label"),
    ({"components": [button("a")]}, "components.0"),
    (
        {
            "components": [
                row(
                    {
                        "type": 3,
                        "custom_id": "s",
                        "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                    }
                )
            ]
        },
        "components.0.components.0.options",
    ),
    ({"content": "hi", "allowed_mentions": {"parse": ["here"]}}, "allowed_mentions.parse.0"),
    (
        {"content": "hi", "allowed_mentions": {"parse": ["roles"], "roles": ["1"]}},
        "allowed_mentions.parse",
    ),
    (
        {"content": "hi", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
        "allowed_mentions.parse",
    ),
    (
        {"poll": {"question": {"text": "q"}, "answers": [{"poll_media": {"text": "a" * 56}}]}},
        "poll.answers.0.poll_media.text",
    ),
]


@pytest.mark.parametrize("payload", OK_MESSAGES)
def test_messages_discord_accepts(payload: dict[str, Any]) -> None:
    assert check_message(payload) == []


@pytest.mark.parametrize(("payload", "where"), BAD_MESSAGES)
def test_messages_discord_refuses(payload: dict[str, Any], where: str) -> None:
    assert where in paths(check_message(payload))


def test_files_alone_and_edits_keep_what_is_there() -> None:
    assert check_message({"content": ""}, files=1) == []
    current = {"content": "kept", "embeds": [], "components": []}
    assert check_message({"components": []}, edit=True, current=current) == []
    assert paths(check_message({"content": None}, edit=True, current=current)) == [""]
    assert check_message({"content": "y" * 2001}, edit=True, current=current)


def test_error_tree_is_nested_like_discord() -> None:
    tree = error_tree(check_message({"embeds": [embed(title="t" * 300)]}))
    (err,) = tree["embeds"]["0"]["title"]["_errors"]
    assert err["code"] == "BASE_TYPE_MAX_LENGTH"


@pytest.mark.parametrize(
    ("choices", "bad"),
    [
        ([{"name": str(i), "value": str(i)} for i in range(25)], False),
        ([{"name": str(i), "value": str(i)} for i in range(26)], True),
        ([{"name": "n" * 101, "value": "v"}], True),
        ([{"name": "", "value": "v"}], True),
        ([{"name": "n", "value": "v" * 101}], True),
        ([{"name": "n", "value": 12345}], False),
    ],
)
def test_autocomplete_choices(choices: list[dict[str, Any]], bad: bool) -> None:
    assert bool(check_autocomplete({"choices": choices})) is bad


def test_modal_limits() -> None:
    text = {"type": 4, "custom_id": "a", "label": "Answer", "style": 1}
    assert check_modal({"title": "T", "custom_id": "m", "components": [row(text)]}) == []
    assert check_modal({"title": "T" * 46, "custom_id": "m", "components": [row(text)]})
    assert check_modal({"title": "T", "custom_id": "m", "components": []})
    long_label = {**text, "label": "L" * 46}
    assert check_modal({"title": "T", "custom_id": "m", "components": [row(long_label)]})


def command(name: str = "drama", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "Dramas", "type": 1, **extra}


def option(name: str, *, required: bool = False, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": 3, "required": required, **extra}


@pytest.mark.parametrize(
    ("cmds", "bad"),
    [
        ([command(), command("드라마-2_x"), {"name": "Preview Article", "type": 3}], False),
        ([command("Drama")], True),
        ([command("has space")], True),
        ([command("x" * 33)], True),
        ([command(description="")], True),
        ([command(description="d" * 101)], True),
        ([command(options=[option(f"o{i}") for i in range(26)])], True),
        ([command(options=[option("a"), option("b", required=True)])], True),
        ([command(options=[option("b", required=True), option("a")])], False),
        ([command(options=[option("a", choices=[{"name": "c", "value": "c"}] * 26)])], True),
        ([command(options=[option("a", choices=[{"name": "c" * 101, "value": "c"}])])], True),
        ([command(options=[option("Bad")])], True),
        ([command(options=[option("a"), option("a")])], True),
        (
            [
                command(
                    options=[
                        {
                            "name": "sub",
                            "description": "s",
                            "type": 1,
                            "options": [option("a"), option("b", required=True)],
                        }
                    ]
                )
            ],
            True,
        ),
        ([{"name": "Preview", "type": 3, "description": "no"}], True),
        ([command(), command()], True),
    ],
)
def test_command_sync_payloads(cmds: list[dict[str, Any]], bad: bool) -> None:
    assert bool(check_commands(cmds)) is bad


# --- against a real discord.py client -------------------------------------------------------


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fk = FakeDiscord()
    await fk.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fk.api_url)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fk.gateway_url)
    )
    yield fk
    await fk.stop()


def limit_bot() -> commands.Bot:
    bot = make_bot(Seen())

    @bot.tree.command(name="long", description="Too long a reply")
    async def long(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            await interaction.response.send_message(f"refused {exc.code}", ephemeral=True)

    @bot.tree.command(name="slow", description="Answers late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("late")

    @bot.tree.command(name="many", description="Too many choices")
    async def many(interaction: discord.Interaction, pick: str) -> None:
        await interaction.response.send_message(pick)

    @many.autocomplete("pick")
    async def many_ac(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=str(i), value=str(i)) for i in range(30)]

    return bot


async def test_refusals_reach_the_bot_and_are_recorded(fake: FakeDiscord) -> None:
    w = world(fake)
    async with running(limit_bot(), fake) as bot:
        assert fake.violations == []  # the command sync itself is valid
        channel = bot.get_channel(w.channel)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as info:
            await channel.send(embed=discord.Embed(title="t" * 300))
        assert info.value.status == 400
        assert info.value.code == 50035
        assert "embeds.0.title" in str(info.value)
        assert fake.messages[w.channel] == []
        assert fake.violations == [
            f"POST /channels/{w.channel}/messages: embeds.0.title: Must be 256 or fewer in length."
        ]

        msg = await channel.send("ok")
        with pytest.raises(discord.HTTPException):
            await msg.edit(content="y" * 2001)
        assert fake.get_message(w.channel, msg.id)["content"] == "ok"  # type: ignore[index]
        with pytest.raises(discord.HTTPException) as info:
            await msg.edit(content=None)
        assert info.value.code == 50006
        assert len(fake.violations) == 3

        itx = await fake.slash(w.guild, w.channel, w.user, "long")
        ok = await fake.wait_for_request(
            "POST", rf"/interactions/{itx.id}/.+/callback", predicate=lambda r: r.status == 200
        )
        assert ok.json["data"]["content"] == "refused 50035"  # the refused answer did not count
        assert itx.original_message["content"] == "refused 50035"  # type: ignore[index]
        assert "data.content: Must be 2000 or fewer in length." in fake.violations[3]

        choices = await fake.autocomplete(
            w.guild, w.channel, w.user, ("many",), focused="pick", value=""
        )
        assert choices == []
        assert "data.choices" in fake.violations[4]


async def test_late_and_double_answers_are_violations(fake: FakeDiscord) -> None:
    w = world(fake)
    fake.interaction_deadline = 0.1  # the real 3 s, scaled down to keep the test fast
    async with running(limit_bot(), fake):
        itx = await fake.slash(w.guild, w.channel, w.user, "slow")
        cb = await itx.response()
        assert cb.status == 404
        assert cb.response["code"] == 10062
        assert not itx.acknowledged
        assert "interaction not answered within 3 s (slow:" in fake.violations[0]

        fake.interaction_deadline = 3.0
        itx = await fake.slash(w.guild, w.channel, w.user, "ping")
        await itx.response()
        async with aiohttp.ClientSession() as http:
            url = f"{fake.api_url}/interactions/{itx.id}/{itx.token}/callback"
            async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as resp:
                assert resp.status == 400
                assert (await resp.json())["code"] == 40060
        assert fake.violations[1].endswith(f"interaction {itx.id} answered twice")


async def test_followup_before_the_answer_is_refused(fake: FakeDiscord) -> None:
    w = world(fake)
    async with running(limit_bot(), fake):
        itx = await fake.slash(w.guild, w.channel, w.user, "slow")  # answers after 0.3 s
        async with aiohttp.ClientSession() as http:
            url = f"{fake.api_url}/webhooks/{fake.app_id}/{itx.token}"
            async with http.post(url, json={"content": "too early"}) as resp:
                assert resp.status == 404
                assert (await resp.json())["code"] == 10015
        await itx.response()
    assert fake.violations == [
        f"POST /webhooks/{fake.app_id}/{itx.token}: followup before interaction {itx.id} "
        "was answered"
    ]


async def test_replies_to_missing_or_foreign_messages(fake: FakeDiscord) -> None:
    w = world(fake)
    other = fake.add_channel(w.guild, "other")
    async with running(limit_bot(), fake) as bot:
        channel = bot.get_channel(w.channel)
        assert isinstance(channel, discord.TextChannel)
        source = await channel.send("source")
        await source.delete()
        with pytest.raises(discord.HTTPException) as info:
            await channel.send("reply", reference=source.to_reference())
        assert info.value.code == 50035
        kept = await channel.send("reply", reference=source.to_reference(fail_if_not_exists=False))
        assert kept.reference is not None
        elsewhere = await channel.send("elsewhere")
        ref = discord.MessageReference(message_id=elsewhere.id, channel_id=other)
        foreign = bot.get_channel(other)
        assert isinstance(foreign, discord.TextChannel)
        with pytest.raises(discord.HTTPException):
            await foreign.send("x", reference=ref)
    assert [v.split(": ", 1)[1] for v in fake.violations] == [
        "message_reference: Unknown message",
        "message_reference: Cannot reply to a message in another channel",
    ]


async def test_interaction_token_expires_after_15_minutes(fake: FakeDiscord) -> None:
    w = world(fake)
    async with running(limit_bot(), fake):
        itx = await fake.slash(w.guild, w.channel, w.user, "ping")
        await itx.response()
        url = f"{fake.api_url}/webhooks/{fake.app_id}/{itx.token}"
        later = datetime.now(UTC) + timedelta(minutes=16)
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json={"content": "in time"}) as resp:
                assert resp.status == 204
            with time_machine.travel(later, tick=True):
                async with http.post(url, json={"content": "too late"}) as resp:
                    assert resp.status == 401
                    assert (await resp.json())["code"] == 50027
    assert fake.violations == [
        f"POST /webhooks/{fake.app_id}/{itx.token}: interaction token used 16 min after the "
        "interaction (max 15)"
    ]


async def test_ephemeral_messages_are_not_channel_messages(fake: FakeDiscord) -> None:
    w = world(fake)
    async with running(limit_bot(), fake) as bot:
        itx = await fake.slash(w.guild, w.channel, w.user, "ping")
        await itx.response()
        assert itx.is_ephemeral
        mid = itx.response_message_id
        assert mid is not None
        channel = bot.get_channel(w.channel)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.NotFound):
            await channel.fetch_message(mid)
        with pytest.raises(discord.NotFound):
            await channel.get_partial_message(mid).edit(content="edited")
        assert itx.original_message["content"] == "pong"  # type: ignore[index]


async def test_callback_type_must_fit_the_interaction(fake: FakeDiscord) -> None:
    w = world(fake)
    async with running(limit_bot(), fake):
        itx = await fake.slash(w.guild, w.channel, w.user, "slow")  # answers after 0.3 s
        url = f"{fake.api_url}/interactions/{itx.id}/{itx.token}/callback"
        async with aiohttp.ClientSession() as http:
            for ctype in (8, 7, 6):
                async with http.post(url, json={"type": ctype, "data": {}}) as resp:
                    assert resp.status == 400
                    assert (await resp.json())["code"] == 50035
        ok = await fake.wait_for_request(
            "POST", rf"/interactions/{itx.id}/.+/callback", predicate=lambda r: r.status == 200
        )
        assert ok.json["data"]["content"] == "late"
    assert len(fake.violations) == 3
    assert "callback type 8 is not an answer to interaction type 2" in fake.violations[0]


async def test_invalid_command_sync_is_refused(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{fake.api_url}/applications/{fake.app_id}/commands"
        body = [{"name": "Bad Name", "description": "", "type": 1}]
        headers = {"Authorization": f"Bot {fake.token}"}
        async with http.put(url, json=body, headers=headers) as resp:
            assert resp.status == 400
            data = await resp.json()
    assert data["code"] == 50035
    assert set(data["errors"]["0"]) == {"name", "description"}
    assert fake.global_commands == []
    assert len(fake.violations) == 2
