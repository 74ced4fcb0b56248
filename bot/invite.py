"""The invite URL: its scopes and the permissions the features need, named in one place.

A feature that needs another permission adds it to `PERMISSIONS`; the READY log line,
`dramabot invite` and (checked by a test) the README's integer all follow.
"""

from __future__ import annotations

import base64
import binascii

import discord

SCOPES = ("bot", "applications.commands")

# discord.Permissions flag -> the name the Developer Portal's URL Generator shows.
PERMISSIONS: dict[str, str] = {
    "view_channel": "View Channels",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",  # polls, previews, trivia in threads
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",  # .ics calendars
    "read_message_history": "Read Message History",
    "add_reactions": "Add Reactions",
    "manage_messages": "Manage Messages",  # tidy replaced poll votes
    "manage_roles": "Manage Roles",  # follow roles
    "create_events": "Create Events",  # airtime: episodes as scheduled events
    "create_public_threads": "Create Public Threads",  # airtime: episode discussion threads
}


def permissions() -> discord.Permissions:
    """Every permission the bot asks for when it is invited."""
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def invite_url(client_id: int) -> str:
    """The OAuth2 URL that adds the bot to a server with its scopes and permissions."""
    return discord.utils.oauth_url(client_id, permissions=permissions(), scopes=SCOPES)


def client_id_from_token(token: str) -> int | None:
    """The application id a bot token starts with (base64 of the bot's user id), if it does.

    A bot's user id is its application's id, so this is the `client_id` of the invite URL.
    """
    head = token.split(".", 1)[0]
    try:
        text = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isdigit() and 0 < len(text) <= 20 else None
