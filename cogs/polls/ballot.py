"""What an anonymous poll's vote button asks of the polls service, and what it gets back.

The buttons (`views.py`) find the service through this contract in the feature registry,
so they never import the service (which builds the buttons when it posts a poll).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from cogs.polls.store import Poll


@dataclass(frozen=True)
class ClickResult:
    """A button vote, for the voter's ephemeral confirmation."""

    poll: Poll
    chosen: tuple[int, ...]
    position: int
    added: bool


class ButtonVotes(ABC):
    """Records button votes."""

    @abstractmethod
    async def click(self, poll_id: int, position: int, user_id: int) -> ClickResult:
        """Toggle a fan's vote for one option; committed before it returns.

        Raises:
            Conflict: the poll is closed or its deadline has passed.
            NotFound: the option does not exist.
        """
