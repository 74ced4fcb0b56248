"""What airtime's Discord-native parts (scheduled events, episode threads) know of Discord.

Plain records of what Discord holds and the three ways a call can fail, so the pure rules
(`events.py`, `threads.py`) and the services (`events_sync.py`, `threads_open.py`) never see
a discord.py object; `native_rest.py` turns Discord's answers into these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Scheduled event statuses, as Discord numbers them.
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4


class Refused(Exception):
    """Discord refused the call for a reason a moderator must fix (a permission, a limit)."""

    def __init__(self, status: int, code: int, reason: str) -> None:
        """`reason` completes a sentence for moderators ("…: I lack Create Events")."""
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason

    @property
    def missing_permission(self) -> bool:
        """Whether Discord said 403 Forbidden."""
        return self.status == 403


class Gone(Exception):
    """The event or channel no longer exists (404)."""


class Unsure(Exception):
    """Discord did not answer clearly (a 5xx after retries, a dropped connection).

    The call may or may not have taken effect: a create must be looked up before it is
    tried again.
    """


@dataclass(frozen=True)
class LiveEvent:
    """A scheduled event of a guild as Discord lists it (only scheduled and active ones)."""

    event_id: int
    mine: bool  # created by this bot
    name: str
    start: datetime
    status: int


@dataclass(frozen=True)
class LiveThread:
    """An active thread (or forum post) of a guild."""

    thread_id: int
    parent_id: int
    mine: bool  # started by this bot
    name: str
    created: datetime
