"""The only home of the previews feature's SQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.cache import GuildCache
from bot.clock import Clock
from bot.db import Database
from bot.timeutil import to_unix
from cogs.previews.extract import Article

SUCCESS_TTL = timedelta(hours=12)
FAILURE_TTL = timedelta(minutes=10)
PRUNE_EVERY = 100
MAX_DOMAINS = 200

DomainMode = Literal["all", "allowlist"]
DomainPolicy = Literal["allow", "deny"]


@dataclass(frozen=True)
class CachedResult:
    """A cached fetch: an article, or the sentence explaining why there is none."""

    article: Article | None
    error: str | None


@dataclass(frozen=True)
class GuildPolicy:
    """A guild's preview settings."""

    guild_id: int
    domain_mode: DomainMode
    mood_poll: bool
    allow: tuple[str, ...]
    deny: tuple[str, ...]


class PreviewStore:
    """SQL for the preview cache, guild policy and posted previews."""

    def __init__(
        self, db: Database, clock: Clock, owns: Callable[[int], bool] = lambda _guild_id: True
    ) -> None:
        """Use `db` for storage and `clock` for expiry.

        A guild's policy, read for every link posted there, is kept between its writes for
        the guilds `owns(guild_id)` says this process serves (see `bot.cache`).
        """
        self._db = db
        self._clock = clock
        self._writes = 0
        self._policies: GuildCache[GuildPolicy] = GuildCache(owns)

    def _now(self) -> int:
        return to_unix(self._clock.now())

    # -- cache ------------------------------------------------------------------------
    async def cached(self, url_key: str) -> CachedResult | None:
        """The unexpired cached result for a normalised URL, if any."""
        row = await self._db.fetch_one(
            "SELECT ok, article, error FROM preview_cache "
            "WHERE url_key = :url_key AND expires_at > :now",
            {"url_key": url_key, "now": self._now()},
        )
        if row is None:
            return None
        if row["ok"]:
            try:
                return CachedResult(Article.from_json(json.loads(row["article"])), None)
            except (ValueError, TypeError, KeyError):
                return None  # an unreadable entry is just a miss
        return CachedResult(None, row["error"])

    async def cache_article(self, url_key: str, article: Article) -> None:
        """Remember a successful extraction for SUCCESS_TTL."""
        await self._put(url_key, 1, json.dumps(article.to_json()), None, SUCCESS_TTL)

    async def cache_failure(self, url_key: str, error: str) -> None:
        """Remember a failure for FAILURE_TTL."""
        await self._put(url_key, 0, None, error, FAILURE_TTL)

    async def _put(
        self, url_key: str, ok: int, article: str | None, error: str | None, ttl: timedelta
    ) -> None:
        now = self._now()
        await self._db.execute(
            "INSERT INTO preview_cache (url_key, ok, article, error, fetched_at, expires_at) "
            "VALUES (:url_key, :ok, :article, :error, :now, :expires) "
            "ON CONFLICT (url_key) DO UPDATE SET ok = excluded.ok, "
            "article = excluded.article, error = excluded.error, "
            "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
            {
                "url_key": url_key,
                "ok": ok,
                "article": article,
                "error": error,
                "now": now,
                "expires": now + int(ttl.total_seconds()),
            },
        )
        self._writes += 1
        if self._writes % PRUNE_EVERY == 0:
            await self.prune()

    async def prune(self) -> int:
        """Delete expired cache entries; return how many."""
        return await self._db.execute(
            "DELETE FROM preview_cache WHERE expires_at <= :now", {"now": self._now()}
        )

    # -- guild policy -----------------------------------------------------------------
    async def policy(self, guild_id: int) -> GuildPolicy:
        """The guild's domain mode, lists and mood-poll switch (defaults when unset)."""
        return await self._policies.get(guild_id, None, lambda: self._load_policy(guild_id))

    async def _load_policy(self, guild_id: int) -> GuildPolicy:
        row = await self._db.fetch_one(
            "SELECT domain_mode, mood_poll FROM preview_guild_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        rows = await self._db.fetch_all(
            "SELECT domain, policy FROM preview_domains WHERE guild_id = :guild_id ORDER BY domain",
            {"guild_id": guild_id},
        )
        mode: DomainMode = "allowlist" if row and row["domain_mode"] == "allowlist" else "all"
        return GuildPolicy(
            guild_id,
            mode,
            bool(row["mood_poll"]) if row else True,
            tuple(r["domain"] for r in rows if r["policy"] == "allow"),
            tuple(r["domain"] for r in rows if r["policy"] == "deny"),
        )

    async def set_domain_mode(self, guild_id: int, mode: DomainMode) -> None:
        """Choose between previewing all public sites and only allowed domains."""
        async with self._policies.writing(guild_id):
            await self._db.execute(
                "INSERT INTO preview_guild_settings (guild_id, domain_mode, updated_at) "
                "VALUES (:guild_id, :mode, :now) ON CONFLICT (guild_id) DO UPDATE SET "
                "domain_mode = excluded.domain_mode, updated_at = excluded.updated_at",
                {"guild_id": guild_id, "mode": mode, "now": self._now()},
            )

    async def set_mood_poll(self, guild_id: int, enabled: bool) -> None:
        """Turn the mood poll under previews on or off."""
        async with self._policies.writing(guild_id):
            await self._db.execute(
                "INSERT INTO preview_guild_settings (guild_id, mood_poll, updated_at) "
                "VALUES (:guild_id, :enabled, :now) ON CONFLICT (guild_id) DO UPDATE SET "
                "mood_poll = excluded.mood_poll, updated_at = excluded.updated_at",
                {"guild_id": guild_id, "enabled": int(enabled), "now": self._now()},
            )

    async def set_domain(
        self, guild_id: int, domain: str, policy: DomainPolicy, moderator_id: int
    ) -> bool:
        """Put a domain on the allow or deny list; False when the list is full."""
        params = {
            "guild_id": guild_id,
            "domain": domain,
            "policy": policy,
            "by": moderator_id,
            "now": self._now(),
        }
        async with self._policies.writing(guild_id), self._db.transaction() as tx:
            others = await tx.fetch_value(
                "SELECT COUNT(*) FROM preview_domains WHERE guild_id = :guild_id "
                "AND domain != :domain",
                params,
            )
            if int(others or 0) >= MAX_DOMAINS:
                return False
            await tx.execute(
                "INSERT INTO preview_domains (guild_id, domain, policy, added_by, added_at) "
                "VALUES (:guild_id, :domain, :policy, :by, :now) "
                "ON CONFLICT (guild_id, domain) DO UPDATE SET "
                "policy = excluded.policy, added_by = excluded.added_by, "
                "added_at = excluded.added_at",
                params,
            )
        return True

    async def remove_domain(self, guild_id: int, domain: str) -> bool:
        """Take a domain off both lists; False when it was on neither."""
        async with self._policies.writing(guild_id):
            removed = await self._db.execute(
                "DELETE FROM preview_domains WHERE guild_id = :guild_id AND domain = :domain",
                {"guild_id": guild_id, "domain": domain},
            )
        return removed > 0

    # -- posted previews --------------------------------------------------------------
    async def record_post(
        self,
        message_id: int,
        guild_id: int | None,
        channel_id: int,
        source_message_id: int | None,
        poster_id: int,
        url_key: str,
    ) -> None:
        """Remember a preview the bot posted."""
        await self._db.execute(
            "INSERT INTO preview_posts (message_id, guild_id, channel_id, "
            "source_message_id, poster_id, url_key, created_at) VALUES (:message_id, "
            ":guild_id, :channel_id, :source_message_id, :poster_id, :url_key, :now) "
            "ON CONFLICT DO NOTHING",
            {
                "message_id": message_id,
                "guild_id": guild_id,
                "channel_id": channel_id,
                "source_message_id": source_message_id,
                "poster_id": poster_id,
                "url_key": url_key,
                "now": self._now(),
            },
        )

    async def already_previewed(self, source_message_id: int) -> bool:
        """Whether the bot already answered this message with previews."""
        value = await self._db.fetch_value(
            "SELECT 1 FROM preview_posts WHERE source_message_id = :source LIMIT 1",
            {"source": source_message_id},
        )
        return value is not None

    async def forget_post(self, message_id: int) -> None:
        """Drop a removed preview."""
        await self._db.execute(
            "DELETE FROM preview_posts WHERE message_id = :message_id", {"message_id": message_id}
        )

    async def forget_channel(self, guild_id: int, channel_id: int) -> int:
        """Drop the previews of a deleted channel; return how many."""
        return await self._db.execute(
            "DELETE FROM preview_posts WHERE guild_id = :guild_id AND channel_id = :channel_id",
            {"guild_id": guild_id, "channel_id": channel_id},
        )

    async def post_count(self, guild_id: int) -> int:
        """How many previews the bot has posted in a guild (for /config show)."""
        value = await self._db.fetch_value(
            "SELECT COUNT(*) FROM preview_posts WHERE guild_id = :guild_id", {"guild_id": guild_id}
        )
        return int(value or 0)
