"""The previews feature's name and what it offers outside its cog, typed.

Light on purpose (no discord.py): the page parser process imports this package.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

NAME = "previews"  # the feature, its channel switch and its problem namespace


class PreviewPosts(ABC):
    """The previews the bot posted (what the Remove button needs after a restart).

    Found with `bot.features.api(PreviewPosts)`; None when previews are not loaded.
    """

    @abstractmethod
    async def forget_post(self, message_id: int) -> None:
        """Forget a preview whose message was removed."""
