"""Embeds within Discord's limits, page text made inert, reading time, drama mentions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cogs.previews.extract import Article
from cogs.previews.render import (
    DramaMention,
    build_embed,
    drama_line,
    mentioned_drama,
    reading_minutes,
)

PUBLISHED = datetime(2024, 3, 5, 0, 30, tzinfo=UTC)


def full_article(**changes: object) -> Article:
    values: dict[str, object] = {
        "url": "https://www.soompi.com/article/1",
        "title": "Title",
        "description": "Description",
        "site_name": "Soompi",
        "author": "Lee",
        "published": PUBLISHED,
        "image": "https://img.soompi.com/a.jpg",
        "canonical": "https://www.soompi.com/article/1-title",
        "words": 1150,
    }
    values.update(changes)
    return Article(**values)  # type: ignore[arg-type]


def embed_size(embed: dict[str, object]) -> int:
    total = len(str(embed.get("title", ""))) + len(str(embed.get("description", "")))
    total += len(embed.get("author", {}).get("name", ""))  # type: ignore[union-attr]
    total += len(embed.get("footer", {}).get("text", ""))  # type: ignore[union-attr]
    for field in embed.get("fields", []):  # type: ignore[union-attr]
        total += len(field["name"]) + len(field["value"])
    return total


def test_full_embed() -> None:
    embed = build_embed(full_article(), ["📺 line"])
    assert embed["title"] == "Title"
    assert embed["url"] == "https://www.soompi.com/article/1-title"
    assert embed["author"] == {"name": "Soompi"}
    assert embed["image"] == {"url": "https://img.soompi.com/a.jpg"}
    assert embed["footer"] == {"text": "soompi.com"}
    assert embed["description"] == "Description\n\n📺 line"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {
        "By": "Lee",
        "Published": "<t:1709598600:D> (<t:1709598600:R>)",
        "Reading time": "~5 min",
    }


def test_bare_article_still_renders() -> None:
    embed = build_embed(Article(url="https://bare.example.com/x"))
    assert embed["title"] == "bare.example.com"
    assert "description" not in embed
    assert "fields" not in embed
    assert "image" not in embed


def test_limits_hold_for_huge_text() -> None:
    big = "word " * 5000
    embed = build_embed(
        full_article(title=big, description=big, author=big, site_name=big),
        ["x" * 5000, "y" * 5000],
    )
    assert len(embed["title"]) <= 256
    assert len(embed["description"]) <= 4096
    assert len(embed["author"]["name"]) <= 256
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert embed_size(embed) <= 6000


def test_preview_description_is_short() -> None:
    embed = build_embed(full_article(description="word " * 500))
    assert len(embed["description"]) <= 351
    assert embed["description"].endswith("…")


def test_unsafe_urls_are_dropped() -> None:
    embed = build_embed(full_article(image="javascript:alert(1)", canonical="ftp://x/"))
    assert "image" not in embed
    assert embed["url"] == "https://www.soompi.com/article/1"


@pytest.mark.parametrize(
    ("words", "minutes"), [(0, None), (79, None), (80, 1), (460, 2), (2300, 10)]
)
def test_reading_minutes(words: int, minutes: int | None) -> None:
    assert reading_minutes(words) == minutes


DRAMAS = [(1, "Queen of Tears", ("QoT", "눈물의 여왕")), (2, "Lovely Runner", ())]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Queen of Tears breaks record", (1, "Queen of Tears")),
        ("'queen of tears' finale", (1, "Queen of Tears")),
        ("QoT cast reunites", (1, "Queen of Tears")),
        ("눈물의 여왕, 최고 시청률", (1, "Queen of Tears")),
        ("Lovely Runner stars", (2, "Lovely Runner")),
        ("Queen of Tearsful", None),
        ("QoTD", None),
        ("nothing", None),
    ],
)
def test_mentioned_drama(text: str, found: tuple[int, str] | None) -> None:
    assert mentioned_drama(text, DRAMAS) == found


def test_drama_line() -> None:
    when = datetime(2024, 4, 6, 12, 10, tzinfo=UTC)
    line = drama_line(DramaMention("Queen *of* Tears", 13, when))
    assert line == (
        "📺 **Queen \\*of\\* Tears** episode 13 airs <t:1712405400:F> (<t:1712405400:R>)"
    )
    assert "no more episodes" in drama_line(DramaMention("Q", None, None))


@pytest.mark.parametrize(
    ("url", "canonical", "link"),
    [
        # A page may only point its card at itself: a hostile page's og:url must not turn
        # a link a fan shared into a card that opens somewhere else (Mastodon's same-origin
        # rule for og:url and rel=canonical).
        ("https://evil.example/a", "https://www.soompi.com/news", "https://evil.example/a"),
        ("https://soompi.com.evil.example/a", "https://soompi.com/b", None),
        ("https://www.soompi.com/a", "https://soompi.com/a-title", "https://soompi.com/a-title"),
        ("https://m.soompi.com/a", "https://www.soompi.com/a", "https://www.soompi.com/a"),
        ("https://news.naver.com/a", "https://n.news.naver.com/a", "https://n.news.naver.com/a"),
        ("https://a.github.io/x", "https://b.github.io/x", "https://a.github.io/x"),
    ],
)
def test_canonical_link_only_on_the_same_site(url: str, canonical: str, link: str | None) -> None:
    embed = build_embed(full_article(url=url, canonical=canonical))
    assert embed["url"] == (link or url)


@pytest.mark.parametrize(
    ("image", "sent"),
    [
        # Discord refuses the whole message when an embed URL is not well formed, so one
        # sloppy og:image would cost the fan the whole preview.
        ("https://img.example/a b.jpg", "https://img.example/a%20b.jpg"),
        ("https://img.example/사진.jpg?w=1", "https://img.example/%EC%82%AC%EC%A7%84.jpg?w=1"),
        ("https://img.example/a%20b.jpg", "https://img.example/a%20b.jpg"),
        ("https://bücher.example/a.jpg", "https://xn--bcher-kva.example/a.jpg"),
        ("https://faß.de/a.jpg", "https://xn--fa-hia.de/a.jpg"),  # UTS #46, not fass.de
        ("https://☃.net/a.jpg", None),
        ("https://img.example/a\nb.jpg", None),
        ("https://img.example/a\x00.jpg", None),
        ("https://img.example:99999/a.jpg", None),
        ("https://user:pw@img.example/a.jpg", None),
    ],
)
def test_embed_urls_are_well_formed(image: str, sent: str | None) -> None:
    canonical = image.replace("img.", "www.")
    embed = build_embed(
        full_article(url="https://www.example/story", image=image, canonical=canonical)
    )
    assert embed.get("image", {}).get("url") == sent
    if sent and "img." in sent:  # the same site: the canonical link is used, escaped too
        assert embed["url"] == sent.replace("img.", "www.")
    else:
        assert embed["url"] == "https://www.example/story"


def test_bidi_overrides_are_removed_from_page_text() -> None:
    # U+202E makes "gpj.exe" read as "exe.jpg"; isolates and overrides have no place in a card.
    embed = build_embed(full_article(title="Episode \u202e1 recap\u202c", author="Kim\u2067 x"))
    assert embed["title"] == "Episode 1 recap"
    assert {f["name"]: f["value"] for f in embed["fields"]}["By"] == "Kim x"
