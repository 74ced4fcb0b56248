"""Preview tests: an article server on 127.0.0.2, an 'internal' one on 127.0.0.1, the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.previews.helpers import Site

PAGES = Path(__file__).parent / "pages"


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async def page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        box.hits[name] = box.hits.get(name, 0) + 1
        path = PAGES / f"{name}.html"
        if not path.is_file():
            return web.Response(status=404)
        return web.Response(body=path.read_bytes(), content_type="text/html")

    async def internal(request: web.Request) -> web.Response:
        box.internal_hits += 1
        return web.Response(body=b"<title>SECRET</title>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{name}", page)
    internal_app = web.Application()
    internal_app.router.add_route("*", "/{tail:.*}", internal)
    box = Site(TestServer(app, host="127.0.0.2"), TestServer(internal_app, host="127.0.0.1"))
    await box.article.start_server()
    await box.internal.start_server()
    try:
        yield box
    finally:
        await box.article.close()
        await box.internal.close()
    assert box.internal_hits == 0, "the bot reached the internal service"
