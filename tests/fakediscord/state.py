"""World state of the fake Discord: users, guilds, roles, channels, members, messages, reactions."""

from __future__ import annotations

import itertools
import re
import time
from collections import defaultdict
from typing import Any

from .models import Channel as Channel
from .models import FakeGuild as FakeGuild
from .models import Member as Member
from .models import Overwrite as Overwrite
from .models import Role as Role
from .models import ScheduledEvent as ScheduledEvent
from .models import ThreadMeta as ThreadMeta
from .models import User as User
from .models import iso_now as iso_now
from .models import utc_now as utc_now

DISCORD_EPOCH_MS = 1420070400000

# --- permission bits (subset that matters; unknown bits are harmless) -------------------
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
MUTE_MEMBERS = 1 << 22
MOVE_MEMBERS = 1 << 24
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44
ALL_PERMISSIONS = (1 << 51) - 1

DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
BOT_DEFAULT_PERMISSIONS = ALL_PERMISSIONS & ~ADMINISTRATOR

# --- gateway intents ----------------------------------------------------------------------
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16

# --- channel types --------------------------------------------------------------------------
GUILD_TEXT = 0
GUILD_VOICE = 2
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_STAGE_VOICE = 13
GUILD_FORUM = 15
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)  # minutes
REQUIRE_TAG = 1 << 4  # forum channel flag

EPHEMERAL = 1 << 6
LOADING = 1 << 7


class SnowflakeGen:
    """Monotonic, realistic snowflakes (timestamp << 22 | worker | increment)."""

    def __init__(self) -> None:
        self._last = 0
        self._inc = itertools.count()

    def __call__(self) -> int:
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (now_ms << 22) | (1 << 17) | (next(self._inc) & 0xFFF)
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value

    def on_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh snowflake that Discord routes to shard ``shard_id`` of ``shard_count``.

        The shard is ``(id >> 22) % shard_count``: the timestamp part. The value may lie a few
        milliseconds ahead of the clock; later snowflakes stay above it.
        """
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"shard {shard_id} is not one of {shard_count} shard(s)")
        value = self()
        stamp = value >> 22
        ahead = (shard_id - stamp) % shard_count
        if ahead:
            value = ((stamp + ahead) << 22) | (1 << 17) | (next(self._inc) & 0xFFF)
            self._last = value
        return value


def emoji_key(emoji: str) -> str:
    """Normalise an emoji given as unicode, ``name:id``, ``<:name:id>`` or ``<a:name:id>``."""
    emoji = emoji.strip()
    m = re.fullmatch(r"<a?:([^:>]+):(\d+)>", emoji)
    if m:
        return f"{m.group(1)}:{m.group(2)}"
    parts = emoji.split(":")
    if len(parts) == 3 and parts[0] in ("", "a") and parts[2].isdigit():
        return f"{parts[1]}:{parts[2]}"
    if len(parts) == 2 and parts[1].isdigit():
        return f"{parts[0]}:{parts[1]}"
    return emoji


def emoji_payload(key: str) -> dict[str, Any]:
    m = re.fullmatch(r"([^:]+):(\d+)", key)
    if m:
        return {"id": m.group(2), "name": m.group(1), "animated": False}
    return {"id": None, "name": key}


class World:
    """Pure state + permission math, no I/O."""

    def __init__(self, bot_user_id: int, snowflake: SnowflakeGen) -> None:
        self.snowflake = snowflake
        self.bot_user_id = bot_user_id
        self.users: dict[int, User] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, Channel] = {}
        self.deleted_channels: set[int] = set()
        self.messages: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        self.message_index: dict[int, dict[str, Any]] = {}
        self.reactions: dict[int, dict[str, list[int]]] = {}
        # (message id, emoji key, user id) of reactions that are super (burst) reactions
        self.burst: set[tuple[int, str, int]] = set()
        self.dm_channels: dict[int, int] = {}  # user id -> channel id

    # --- users / guilds -------------------------------------------------------------------
    def ensure_user(self, user_id: int | None, name: str, *, bot: bool = False) -> User:
        if user_id is not None and user_id in self.users:
            return self.users[user_id]
        uid = user_id if user_id is not None else self.snowflake()
        user = User(id=uid, username=name, bot=bot, global_name=None if bot else name)
        self.users[uid] = user
        return user

    def channel(self, channel_id: int) -> Channel | None:
        return self.channels.get(channel_id)

    def guild_of(self, channel_id: int) -> FakeGuild | None:
        ch = self.channels.get(channel_id)
        if ch is None or ch.guild_id is None:
            return None
        return self.guilds.get(ch.guild_id)

    def top_role_position(self, guild: FakeGuild, user_id: int) -> int:
        member = guild.members.get(user_id)
        if member is None:
            return -1
        positions = [guild.roles[r].position for r in member.roles if r in guild.roles]
        return max(positions, default=0)

    # --- permissions ----------------------------------------------------------------------
    def base_permissions(self, guild: FakeGuild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        if member is None:
            return 0
        perms = guild.roles[guild.id].permissions
        for rid in member.roles:
            role = guild.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def effective_overwrites(self, guild: FakeGuild, channel: Channel) -> list[Overwrite]:
        overwrites = dict(channel.overwrites)
        if guild.bot_perm_mask is not None and self.bot_user_id not in overwrites:
            overwrites[self.bot_user_id] = Overwrite(
                id=self.bot_user_id, type=1, allow=0, deny=ALL_PERMISSIONS & ~guild.bot_perm_mask
            )
        return list(overwrites.values())

    def guild_permissions(self, guild: FakeGuild, user_id: int) -> int:
        """Guild-level permissions (roles only), with the bot's test mask applied."""
        perms = self.base_permissions(guild, user_id)
        mask = guild.bot_perm_mask
        if user_id == self.bot_user_id and mask is not None and perms != ALL_PERMISSIONS:
            perms &= mask
        return perms

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """Effective permissions; a thread's come from its parent channel."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return 0
        if channel.guild_id is None:  # DM
            return ALL_PERMISSIONS & ~(MANAGE_MESSAGES | MANAGE_ROLES | ADMINISTRATOR)
        in_thread = channel.is_thread
        if in_thread:
            parent = self.channels.get(channel.parent_id or 0)
            if parent is None:
                return 0
            channel = parent
        perms = self._overwritten(self.guilds[channel.guild_id or 0], channel, user_id)
        if not perms & VIEW_CHANNEL:
            return 0
        # SEND_MESSAGES means nothing in a thread: SEND_MESSAGES_IN_THREADS takes its place
        if not perms & (SEND_MESSAGES_IN_THREADS if in_thread else SEND_MESSAGES):
            perms &= ~(SEND_TTS_MESSAGES | MENTION_EVERYONE | EMBED_LINKS | ATTACH_FILES)
        return perms

    def _overwritten(self, guild: FakeGuild, channel: Channel, user_id: int) -> int:
        perms = self.base_permissions(guild, user_id)
        if perms == ALL_PERMISSIONS:
            return perms
        member = guild.members.get(user_id)
        if member is None:
            return 0
        ows = self.effective_overwrites(guild, channel)
        for ow in ows:
            if ow.type == 0 and ow.id == guild.id:
                perms = (perms & ~ow.deny) | ow.allow
        allow = deny = 0
        for ow in ows:
            if ow.type == 0 and ow.id != guild.id and ow.id in member.roles:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        for ow in ows:
            if ow.type == 1 and ow.id == user_id:
                perms = (perms & ~ow.deny) | ow.allow
        return perms

    # --- messages -------------------------------------------------------------------------
    def store_message(self, msg: dict[str, Any], *, listed: bool = True) -> None:
        mid = int(msg["id"])
        self.message_index[mid] = msg
        if listed:
            self.messages[int(msg["channel_id"])].append(msg)
            self._count_in_thread(int(msg["channel_id"]), mid, +1)

    def _count_in_thread(self, channel_id: int, message_id: int, delta: int) -> None:
        channel = self.channels.get(channel_id)
        if channel is None or channel.thread is None:
            return
        meta = channel.thread
        meta.message_count = max(0, meta.message_count + delta)
        if delta > 0:
            meta.total_message_sent += 1
            channel.last_message_id = message_id
            meta.touch()

    def find_message(self, channel_id: int | None, message_id: int) -> dict[str, Any] | None:
        msg = self.message_index.get(message_id)
        if msg is None:
            return None
        if channel_id is not None and int(msg["channel_id"]) != channel_id:
            return None
        return msg

    def remove_message(self, message_id: int) -> dict[str, Any] | None:
        msg = self.message_index.pop(message_id, None)
        if msg is None:
            return None
        lst = self.messages.get(int(msg["channel_id"]), [])
        self.messages[int(msg["channel_id"])] = [m for m in lst if int(m["id"]) != message_id]
        if len(lst) != len(self.messages[int(msg["channel_id"])]):
            self._count_in_thread(int(msg["channel_id"]), message_id, -1)
        self.reactions.pop(message_id, None)
        return msg

    # --- reactions ------------------------------------------------------------------------
    def reaction_users(self, message_id: int, emoji: str) -> list[int]:
        return list(self.reactions.get(message_id, {}).get(emoji_key(emoji), []))

    def add_reaction(self, message_id: int, emoji: str, user_id: int) -> bool:
        per_msg = self.reactions.setdefault(message_id, {})
        users = per_msg.setdefault(emoji_key(emoji), [])
        if user_id in users:
            return False
        users.append(user_id)
        self._render_reactions(message_id)
        return True

    def remove_reaction(self, message_id: int, emoji: str, user_id: int) -> bool:
        per_msg = self.reactions.get(message_id, {})
        key = emoji_key(emoji)
        users = per_msg.get(key, [])
        if user_id not in users:
            return False
        users.remove(user_id)
        if not users:
            del per_msg[key]
        self._render_reactions(message_id)
        return True

    def clear_reactions(self, message_id: int, emoji: str | None = None) -> None:
        if emoji is None:
            self.reactions.pop(message_id, None)
        else:
            self.reactions.get(message_id, {}).pop(emoji_key(emoji), None)
        self._render_reactions(message_id)

    def _render_reactions(self, message_id: int) -> None:
        msg = self.message_index.get(message_id)
        if msg is None:
            return
        # Super reactions are rare: users are checked one by one only on a message that has
        # some, so a change on a message with thousands of reactions costs a pass over its
        # emoji, not over every user (20,000 reactions took minutes, not 1 s).
        bursts = {(key, user) for mid, key, user in self.burst if mid == message_id}
        rendered = []
        for key, users in self.reactions.get(message_id, {}).items():
            burst = sum((key, u) in bursts for u in users) if bursts else 0
            rendered.append(
                {
                    "emoji": emoji_payload(key),
                    "count": len(users),
                    "count_details": {"burst": burst, "normal": len(users) - burst},
                    "me": self.bot_user_id in users,
                    "me_burst": False,
                    "burst_colors": [],
                }
            )
        msg["reactions"] = rendered
