"""Self-test: run a real discord.py commands.Bot against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeDiscord

MESSAGE_CONTENT = 1 << 15


class PingView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Press", custom_id="selftest:press")
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="pressed", view=None)


class AskModal(discord.ui.Modal, title="Ask"):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Answer", custom_id="answer")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.answer.value}", ephemeral=True)


@dataclass
class Seen:
    reactions: list[discord.RawReactionActionEvent] = field(default_factory=list)
    messages: list[discord.Message] = field(default_factory=list)
    reaction_event: asyncio.Event = field(default_factory=asyncio.Event)
    message_event: asyncio.Event = field(default_factory=asyncio.Event)


def make_bot(seen: Seen, *, message_content: bool = True) -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = message_content
    intents.members = True
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    @bot.tree.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    @bot.tree.command(name="later", description="Deferred + followup")
    async def later(interaction: discord.Interaction, count: int, who: discord.Member) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(f"{count} for {who.display_name}")

    @bot.tree.command(name="button", description="Post a button")
    async def button(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("press me", view=PingView())

    @bot.tree.command(name="ask", description="Open a modal")
    async def ask(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AskModal())

    group = app_commands.Group(name="drama", description="Drama")

    @group.command(name="find", description="Find a drama")
    async def find(interaction: discord.Interaction, title: str) -> None:
        await interaction.response.send_message(
            embed=discord.Embed(title="Found", description=title)
        )

    @find.autocomplete("title")
    async def find_ac(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["Secret Garden", "Second Chance", "Goblin"]
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()]

    bot.tree.add_command(group)

    @bot.tree.command(name="pick", description="Select menu")
    async def pick(interaction: discord.Interaction) -> None:
        view = discord.ui.View()
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="selftest:pick",
            options=[discord.SelectOption(label=x, value=x) for x in ("red", "blue")],
        )

        async def chosen(itx: discord.Interaction) -> None:
            await itx.response.send_message(f"chose {','.join(select.values)}", ephemeral=True)

        select.callback = chosen  # type: ignore[method-assign,assignment]
        view.add_item(select)
        await interaction.response.send_message("pick one", view=view)

    @bot.tree.command(name="upload", description="Attachment + role + channel options")
    async def upload(
        interaction: discord.Interaction,
        file: discord.Attachment,
        role: discord.Role,
        where: discord.TextChannel,
    ) -> None:
        data = await file.read()
        await interaction.response.send_message(
            f"{file.filename}:{len(data)}:{role.name}:{where.name}"
        )

    @bot.tree.command(name="edit", description="Defer then edit")
    async def edit(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="edited")

    @bot.tree.context_menu(name="Preview article")
    async def preview(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"preview of {message.content}", ephemeral=True)

    @bot.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        if bot.user is not None and payload.user_id == bot.user.id:
            return
        seen.reactions.append(payload)
        seen.reaction_event.set()

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        seen.messages.append(message)
        seen.message_event.set()

    @bot.event
    async def setup_hook() -> None:
        bot.add_view(PingView())
        await bot.tree.sync()

    return bot


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
    assert fk.unknown_routes == []
    assert fk.violations == []


@contextlib.asynccontextmanager
async def running(bot: commands.Bot, fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    task = asyncio.create_task(bot.start(fake.token))
    try:
        await fake.wait_until_ready()
        async with asyncio.timeout(5):
            await bot.wait_until_ready()
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


@dataclass
class World:
    guild: int
    channel: int
    user: int


def world(fake: FakeDiscord) -> World:
    g = fake.add_guild(name="Drama Club")
    user = fake.add_member(g.id, name="fan")
    return World(g.id, g.default_channel_id, user)


async def test_boot_sync_ping_followup_button_modal_autocomplete(fake: FakeDiscord) -> None:
    w = world(fake)
    seen = Seen()
    async with running(make_bot(seen), fake) as bot:
        assert bot.get_guild(w.guild) is not None
        assert bot.get_channel(w.channel) is not None
        assert fake.identify_intents is not None
        assert fake.identify_intents & MESSAGE_CONTENT
        put = fake.find_requests("PUT", rf"/applications/{fake.app_id}/commands")
        assert len(put) == 1
        names = {c["name"] for c in put[0].json}
        assert {"ping", "later", "button", "ask", "drama", "Preview article"} <= names

        itx = await fake.slash(w.guild, w.channel, w.user, "ping")
        cb = await itx.response()
        assert cb.json["type"] == 4
        assert cb.json["data"]["content"] == "pong"
        assert itx.is_ephemeral
        assert await itx.reply_text() == "pong"
        assert not fake.messages.get(w.channel)  # ephemeral replies are not channel messages

        itx = await fake.slash(
            w.guild, w.channel, w.user, "later", options={"count": 3, "who": w.user}
        )
        assert (await itx.response()).json["type"] == 5
        (followup,) = await itx.followups(1)
        assert followup.json["content"] == "3 for fan"
        assert await itx.reply_text() == "3 for fan"

        itx = await fake.slash(w.guild, w.channel, w.user, "button")
        await itx.response()
        posted = itx.original_message
        assert posted is not None
        assert posted["components"][0]["components"][0]["custom_id"] == "selftest:press"
        click = await fake.click(w.guild, w.channel, w.user, int(posted["id"]), "selftest:press")
        assert (await click.response()).json["type"] == 7
        stored = fake.get_message(w.channel, int(posted["id"]))
        assert stored is not None
        assert stored["content"] == "pressed"
        assert stored["components"] == []

        itx = await fake.slash(w.guild, w.channel, w.user, "ask")
        assert (await itx.response()).json["type"] == 9
        assert itx.modal is not None
        sub = await fake.submit_modal(
            w.guild, w.channel, w.user, itx.modal["custom_id"], {"answer": "42"}
        )
        assert await sub.reply_text() == "got 42"

        choices = await fake.autocomplete(
            w.guild, w.channel, w.user, ("drama", "find"), focused="title", value="sec"
        )
        assert [c["value"] for c in choices] == ["Secret Garden", "Second Chance"]
        itx = await fake.slash(
            w.guild, w.channel, w.user, "drama", "find", options={"title": "Goblin"}
        )
        assert await itx.reply_text() == "Found\nGoblin"


async def test_messages_reactions_and_permissions(fake: FakeDiscord) -> None:
    w = world(fake)
    seen = Seen()
    async with running(make_bot(seen), fake) as bot:
        channel = bot.get_channel(w.channel)
        assert isinstance(channel, discord.TextChannel)
        after = len(fake.requests)
        sent = await channel.send("hello", file=discord.File(io.BytesIO(b"abc"), "a.txt"))
        rec = await fake.wait_for_request("POST", rf"/channels/{w.channel}/messages", after=after)
        assert rec.json["content"] == "hello"
        assert rec.files == [("a.txt", b"abc")]
        assert sent.attachments[0].filename == "a.txt"
        assert await sent.attachments[0].read() == b"abc"

        await sent.add_reaction("👍")
        assert fake.reaction_users(w.channel, sent.id, "👍") == [fake.bot_user_id]
        await fake.add_reaction(w.guild, w.channel, sent.id, w.user, "👍")
        async with asyncio.timeout(5):
            await seen.reaction_event.wait()
        assert seen.reactions[0].user_id == w.user
        assert str(seen.reactions[0].emoji) == "👍"

        fetched = await channel.fetch_message(sent.id)
        assert fetched.reactions[0].count == 2
        assert fetched.reactions[0].me
        users = [u.id async for u in fetched.reactions[0].users()]
        assert sorted(users) == sorted([fake.bot_user_id, w.user])
        await fetched.remove_reaction("👍", discord.Object(w.user))
        assert fake.reaction_users(w.channel, sent.id, "👍") == [fake.bot_user_id]

        await fake.post_message(w.guild, w.channel, w.user, "hi bot")
        async with asyncio.timeout(5):
            await seen.message_event.wait()
        assert seen.messages[0].content == "hi bot"

        role = fake.add_role(w.guild, "Spoilers")
        await fake.sync()
        guild = bot.get_guild(w.guild)
        assert guild is not None
        assert guild.get_role(role) is not None
        member = guild.get_member(w.user)
        assert member is not None
        await member.add_roles(discord.Object(role))
        assert role in fake.guilds[w.guild].members[w.user].roles

        fake.set_bot_permissions(w.guild, discord.Permissions(view_channel=True).value, w.channel)
        with pytest.raises(discord.Forbidden):
            await channel.send("nope")
        await fake.delete_channel(w.channel)
        with pytest.raises(discord.NotFound):
            await bot.http.send_message(
                w.channel, params=discord.http.handle_message_parameters("x")
            )


async def test_reconnect_resume_rate_limit_unknown_route(fake: FakeDiscord) -> None:
    w = world(fake)
    seen = Seen()
    async with running(make_bot(seen), fake) as bot:
        assert fake.identify_count == 1
        await fake.reconnect()
        assert fake.resume_count == 1
        assert fake.identify_count == 1

        channel = bot.get_channel(w.channel)
        assert isinstance(channel, discord.TextChannel)
        fake.rate_limit_next("POST", rf"/channels/{w.channel}/messages", retry_after=0.01)
        msg = await channel.send("after limit")
        assert len(fake.rate_limited) == 1
        assert fake.find_requests("POST", rf"/channels/{w.channel}/messages")[0].status == 200
        assert fake.get_message(w.channel, msg.id) is not None

        with pytest.raises(discord.NotFound):
            await bot.http.request(discord.http.Route("GET", "/nonexistent/thing"))
        assert fake.unknown_routes == ["GET /nonexistent/thing"]
        fake.unknown_routes.clear()


async def test_message_content_intent(fake: FakeDiscord) -> None:
    w = world(fake)
    fake.message_content_allowed = False
    bot = make_bot(Seen())
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(bot.start(fake.token), 5)
    await bot.close()
    assert fake.identify_count == 0

    seen = Seen()
    async with running(make_bot(seen, message_content=False), fake) as bot:
        assert fake.identify_intents is not None
        assert not fake.identify_intents & MESSAGE_CONTENT
        await fake.post_message(w.guild, w.channel, w.user, "secret stuff")
        await fake.post_message(w.guild, w.channel, w.user, f"<@{fake.bot_user_id}> visible")
        async with asyncio.timeout(5):
            while len(seen.messages) < 2:
                seen.message_event.clear()
                await seen.message_event.wait()
        assert seen.messages[0].content == ""
        assert seen.messages[1].content == f"<@{fake.bot_user_id}> visible"
        # the fake keeps the full content
        assert fake.messages[w.channel][0]["content"] == "secret stuff"
        assert bot.user is not None


async def test_wrong_token_is_rejected(fake: FakeDiscord) -> None:
    bot = make_bot(Seen())
    with pytest.raises(discord.LoginFailure):
        await bot.login("wrong")
    await bot.close()


async def test_selects_context_menus_options_and_permissions(fake: FakeDiscord) -> None:
    w = world(fake)
    async with running(make_bot(Seen()), fake) as bot:
        itx = await fake.slash(w.guild, w.channel, w.user, "pick")
        await itx.response()
        assert itx.response_message_id is not None
        sel = await fake.select(
            w.guild, w.channel, w.user, itx.response_message_id, "selftest:pick", ["blue"]
        )
        assert await sel.reply_text() == "chose blue"
        assert sel.is_ephemeral

        # a second acknowledgement is refused like on Discord
        async with aiohttp.ClientSession() as http:
            url = f"{fake.api_url}/interactions/{sel.id}/{sel.token}/callback"
            async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as resp:
                assert resp.status == 400
                assert (await resp.json())["code"] == 40060
        assert fake.violations == [f"POST /interactions/{sel.id}/{sel.token}/callback: "
                                   f"interaction {sel.id} answered twice"]  # fmt: skip
        fake.violations.clear()

        role = fake.add_role(w.guild, "Spoilers")
        other = fake.add_channel(w.guild, "news")
        itx = await fake.slash(
            w.guild,
            w.channel,
            w.user,
            "upload",
            options={"file": ("a.png", b"12345", "image/png"), "role": role, "where": other},
        )
        assert await itx.reply_text() == "a.png:5:Spoilers:news"

        itx = await fake.slash(w.guild, w.channel, w.user, "edit")
        assert await itx.reply_text() == "edited"
        assert fake.get_message(w.channel, itx.response_message_id or 0) is not None

        target = await fake.post_message(w.guild, w.channel, w.user, "big news")
        itx = await fake.context_menu(
            w.guild, w.channel, w.user, "Preview article", int(target["id"])
        )
        assert await itx.reply_text() == "preview of big news"

        channel = bot.get_channel(w.channel)
        assert isinstance(channel, discord.TextChannel)
        history = [m.content async for m in channel.history(limit=10)]
        assert "big news" in history

        # guild-level restriction: no Add Reactions, no Manage Roles
        perms = discord.Permissions(
            view_channel=True, send_messages=True, read_message_history=True
        )
        fake.set_bot_permissions(w.guild, perms.value)
        await fake.sync()
        assert not channel.permissions_for(channel.guild.me).add_reactions
        msg = await channel.send("no reactions here")
        with pytest.raises(discord.Forbidden):
            await msg.add_reaction("🔥")
        member = channel.guild.get_member(w.user) or await channel.guild.fetch_member(w.user)
        with pytest.raises(discord.Forbidden):
            await member.add_roles(discord.Object(role))

        # role above the bot's top role
        fake.set_bot_permissions(
            w.guild, perms.value | discord.Permissions(manage_roles=True).value
        )
        high = fake.add_role(w.guild, "Admins", position=10)
        with pytest.raises(discord.Forbidden):
            await member.add_roles(discord.Object(high))
        await member.add_roles(discord.Object(role))

        await fake.delete_message(w.guild, w.channel, int(target["id"]))
        assert fake.get_message(w.channel, int(target["id"])) is None


async def test_gate_holds_a_request_until_released(fake: FakeDiscord) -> None:
    gate = fake.gate("GET", r"/users/@me")
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as http:
        request = asyncio.ensure_future(http.get(f"{fake.api_url}/users/@me", headers=headers))
        assert await gate.next() == "/users/@me"
        assert not request.done()
        assert fake.find_requests("GET", "/users/@me") == []
        assert gate.release() == "/users/@me"
        response = await request
        assert response.status == 200
        gate.open()
        again = await http.get(f"{fake.api_url}/users/@me", headers=headers)
        assert again.status == 200
    assert gate.passed == ["/users/@me", "/users/@me"]


async def test_global_rate_limit_answers_429_past_the_limit_each_second(
    fake: FakeDiscord,
) -> None:
    guild = fake.add_guild(name="Busy")
    fake.enforce_global_limit(10)
    session = aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"})
    url = f"{fake.api_url}/channels/{guild.default_channel_id}/messages"
    try:
        statuses = []
        for n in range(15):
            async with session.post(url, json={"content": f"m{n}"}) as response:
                statuses.append(response.status)
                if response.status == 429:
                    body = await response.json()
                    assert body["global"] is True
                    assert response.headers["X-RateLimit-Global"] == "true"
    finally:
        await session.close()
    assert statuses.count(200) == 10
    assert statuses.count(429) == 5
    fake.enforce_global_limit(None)
