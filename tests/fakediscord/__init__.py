"""Protocol-level fake Discord (REST + gateway) for end-to-end tests of real discord.py."""

from .fake import APP_ID, TOKEN, FakeDiscord, Interaction, InteractionState
from .server import Recorded
from .shards import Delivery, SessionInfo
from .state import FakeGuild

__all__ = [
    "APP_ID",
    "TOKEN",
    "Delivery",
    "FakeDiscord",
    "FakeGuild",
    "Interaction",
    "InteractionState",
    "Recorded",
    "SessionInfo",
]
