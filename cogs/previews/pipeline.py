"""From a link to an Article: static checks, guild policy, cache, one fetch, parse off-loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cogs.previews.extract import Article
from cogs.previews.fetch import BlockedAddress, FetchBusy, Fetcher, FetchError, SingleFlight
from cogs.previews.parser import ParseFailed, ParserPool
from cogs.previews.store import GuildPolicy, PreviewStore
from cogs.previews.urls import UnsafeURL, check_url, host_of, normalise_url, policy_problem

log = logging.getLogger(__name__)


class PreviewRefused(Exception):
    """No preview for this link; `message` says why in a fan's words."""

    def __init__(self, message: str, *, blocked: bool = False) -> None:
        """Keep the sentence; `blocked` marks safety refusals (logged, never retried)."""
        super().__init__(message)
        self.message = message
        self.blocked = blocked


@dataclass(frozen=True)
class Preview:
    """A link and what the page says about itself."""

    url_key: str
    article: Article


class Previewer:
    """Checks, caches and fetches; shared by automatic previews, /preview and the menu."""

    def __init__(
        self, fetcher: Fetcher, store: PreviewStore, parser: ParserPool | None = None
    ) -> None:
        """Use `fetcher` for the network, `store` for the cache and `parser` for HTML."""
        self.fetcher = fetcher
        self.store = store
        self.parser = parser or ParserPool()
        self._flight: SingleFlight[Article] = SingleFlight()

    async def preview(self, url: str, policy: GuildPolicy | None = None) -> Preview:
        """The article behind `url`, honouring the guild's domain policy.

        Raises:
            PreviewRefused: unsafe, not allowed here, or the page could not be read.
        """
        try:
            key = normalise_url(url)
            check_url(key, self.fetcher.allowed)
        except UnsafeURL as error:
            raise PreviewRefused(str(error), blocked=True) from None
        self._check_policy(key, policy)
        cached = await self.store.cached(key)
        if cached is not None:
            if cached.article is None:
                raise PreviewRefused(cached.error or "That page could not be previewed.")
            article = cached.article
        else:
            article = await self._flight.run(key, lambda: self._load(key))
        # A redirect may have led somewhere the server does not want.
        self._check_policy(article.url, policy)
        return Preview(key, article)

    def quick_problem(self, url: str, policy: GuildPolicy | None = None) -> str | None:
        """Why `url` is refused without any network (scheme, IP literal, policy), or None."""
        try:
            key = normalise_url(url)
            check_url(key, self.fetcher.allowed)
            self._check_policy(key, policy)
        except UnsafeURL as error:
            return str(error)
        except PreviewRefused as error:
            return error.message
        return None

    @staticmethod
    def _check_policy(url: str, policy: GuildPolicy | None) -> None:
        if policy is None:
            return
        problem = policy_problem(host_of(url), policy.domain_mode, policy.allow, policy.deny)
        if problem is not None:
            raise PreviewRefused(f"I can't preview that link: {problem}.")

    async def _load(self, key: str) -> Article:
        try:
            page = await self.fetcher.fetch(key)
        except BlockedAddress as error:
            log.info("preview blocked", extra={"reason": error.message})
            await self.store.cache_failure(key, error.message)
            raise PreviewRefused(error.message, blocked=True) from None
        except FetchBusy as error:
            raise PreviewRefused(error.message) from None  # our queue, not the page: not cached
        except FetchError as error:
            await self.store.cache_failure(key, error.message)
            raise PreviewRefused(error.message) from None
        # Off the event loop, in a worker process killed if a hostile page makes it slow.
        try:
            article = await self.parser.extract(page.body, page.url, page.content_type)
        except ParseFailed as error:
            await self.store.cache_failure(key, error.message)
            raise PreviewRefused(error.message) from None
        await self.store.cache_article(key, article)
        return article
