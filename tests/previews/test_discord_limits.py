"""Previews at Discord's limits: pages with huge or hostile metadata.

The fake refuses (and the `fake` fixture fails on) any embed over Discord's documented limits
or with a required text left empty, so a preview Discord would refuse fails here.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cogs.previews.extract import Article
from cogs.previews.posting import MOOD_OPTIONS, MOOD_QUESTION
from cogs.previews.render import build_embed, mood_field
from tests.fakediscord.validate import check_embeds
from tests.harness import BotEnv, message_text
from tests.previews.helpers import enable, post_and_wait_preview, store_of

BIDI = "\u202e\u202d\u2066"


def page(title: str, description: str, site: str, author: str, image: str = "/a.jpg") -> bytes:
    def meta(key: str, value: str) -> str:
        return f'<meta property="{key}" content="{html.escape(value)}">'

    head = "".join(
        [
            meta("og:title", title),
            meta("og:description", description),
            meta("og:site_name", site),
            meta("article:author", author),
            meta("og:image", image),
            meta("article:published_time", "2026-03-04T12:00:00Z"),
        ]
    )
    body = "<p>" + " ".join(["word"] * 5000) + "</p>"
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


PAGES = {
    "huge": page(
        "*_" * 5000, "Secretary Kim " + "`|" * 50_000, "~" * 5000, ">" * 5000, "/" + "i" * 1900
    ),
    "hostile": page(BIDI, BIDI, BIDI, BIDI),
}


@pytest.fixture
async def pages() -> AsyncIterator[TestServer]:
    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=PAGES[request.match_info["name"]], content_type="text/html")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    server = TestServer(app, host="127.0.0.2")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.mark.parametrize("name", sorted(PAGES))
async def test_preview_of_a_page_with_extreme_metadata(
    env: BotEnv, pages: TestServer, name: str
) -> None:
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    await enable(env)
    url = f"http://127.0.0.2:{pages.port}/{name}"
    _, rec = await post_and_wait_preview(env, f"look {url}")
    assert rec.status == 200, rec.response
    assert rec.json["embeds"]
    itx = await env.slash(env.fan_id, "preview", url=url)
    (followup,) = await itx.followups(1)
    assert followup.status == 200, followup.response
    if name == "hostile":  # nothing visible: no author, no "By" field, the host as title
        embed = rec.json["embeds"][0]
        assert "author" not in embed
        assert [f["name"] for f in embed["fields"]] == [
            "Published",
            "Reading time",
            "How does this article make you feel?",
        ]
        assert embed["title"].endswith("127.0.0.2")  # "1." would start a markdown list


NASTY = [
    Article(url="https://x.example/a", title=BIDI, site_name=BIDI, author=BIDI, description=BIDI),
    Article(
        url="https://x.example/a", title=" ", site_name="  ", author=" \u202e ", description=" "
    ),
    Article(
        url="https://x.example/" + "p" * 2000,
        title="*" * 5000,
        description="_" * 5000,
        site_name="s" * 5000,
        author="@everyone " * 100,
        image="https://x.example/" + "i" * 3000,
        canonical="javascript:alert(1)",
        words=10**6,
    ),
]


@pytest.mark.parametrize("article", NASTY)
@pytest.mark.parametrize("extra", [(), ("📺 " + "x" * 5000,)])
@pytest.mark.parametrize("mood", [False, True])
def test_every_preview_embed_is_one_discord_accepts(
    article: Article, extra: tuple[str], mood: bool
) -> None:
    fields = [mood_field(MOOD_QUESTION, MOOD_OPTIONS)] if mood else []
    embed = build_embed(article, extra, fields)
    assert list(check_embeds([embed])) == []
    assert embed["title"]
    if mood:
        assert embed["fields"][-1]["name"] == MOOD_QUESTION


async def test_two_hundred_long_domains_are_all_listed(env: BotEnv) -> None:
    store = store_of(env)
    domains = [f"site-{i:03d}-" + "d" * 40 + ".example.com" for i in range(200)]
    for i, domain in enumerate(domains):
        assert await store.set_domain(env.guild_id, domain, "deny" if i % 2 else "allow", 1)
    itx = await env.slash(env.mod_id, "previews", "domains", "list")
    await itx.response()
    hook = rf"/webhooks/{env.fake.app_id}/{re.escape(itx.token)}"
    await env.fake.wait_for_request(
        "POST", hook, predicate=lambda rec: domains[-1] in message_text(rec.json)
    )
    text = "\n".join(message_text(msg) for msg in itx.messages)
    assert all(f"• `{domain}`" in text for domain in domains)
    assert len(itx.messages) > 2
