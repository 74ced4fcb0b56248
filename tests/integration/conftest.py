"""Integration fixtures: an article server on 127.0.0.2 whose pages the test writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class NewsSite:
    """Drama news served from 127.0.0.2 (allowed by PREVIEW_ALLOWED_NETWORKS in the harness)."""

    server: TestServer | None = None
    pages: dict[str, str] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    gate: asyncio.Event | None = None  # when set, pages are answered only once it opens

    def url(self, path: str) -> str:
        """The public address of `path` on this site."""
        assert self.server is not None
        return f"http://127.0.0.2:{self.server.port}{path}"

    def publish(self, path: str, html: str) -> str:
        """Serve `html` at `path`; return its URL."""
        self.pages[path] = html
        return self.url(path)


@pytest.fixture
async def news() -> AsyncIterator[NewsSite]:
    """A running news site; pages are added with `publish`."""
    site = NewsSite()

    async def page(request: web.Request) -> web.Response:
        site.hits[request.path] = site.hits.get(request.path, 0) + 1
        if site.gate is not None:
            await site.gate.wait()
        html = site.pages.get(request.path)
        if html is None:
            return web.Response(status=404)
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    site.server = TestServer(app, host="127.0.0.2")
    await site.server.start_server()
    try:
        yield site
    finally:
        await site.server.close()
