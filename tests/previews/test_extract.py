"""Metadata extraction on small hand-written pages: every source, every fallback."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from cogs.previews.extract import Article, extract_article, extract_from_text

PAGES = Path(__file__).parent / "pages"
URL = "https://www.example.com/news/2024/story.html"


def load(name: str, url: str = URL, content_type: str | None = None) -> Article:
    return extract_article((PAGES / name).read_bytes(), url, content_type)


def test_open_graph_wins_over_everything() -> None:
    article = load("og.html", "https://www.soompi.com/article/123")
    assert article.title == "Song Hye Kyo Confirmed For New Drama & More"
    assert article.description is not None
    assert article.description.startswith("The actress returns")
    assert article.site_name == "Soompi"
    assert article.author == "Lee Ji-eun"
    assert article.image == "https://www.soompi.com/images/song.jpg"
    assert article.canonical == "https://www.soompi.com/article/123-song-hye-kyo"
    assert article.published == datetime(2024, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    assert article.lang == "en"


def test_twitter_card() -> None:
    article = load("twitter.html")
    assert article.title == "Queen of Tears Breaks Ratings Record"
    assert article.description == "The tvN drama hit a new high on Sunday."
    assert article.image == "https://img.example.com/qot.png"
    assert article.author is None  # a handle is not a name


def test_jsonld_graph_article_beats_webpage() -> None:
    article = load("jsonld_graph.html", "https://www.koreaherald.com/view/news/1")
    assert article.title == "Netflix orders second season of Korean hit"
    assert article.description == "Streaming giant confirms the renewal."
    assert article.author == "Kim Min-ji, Park Seo-yeon"
    assert article.site_name == "The Korea Herald"
    assert article.image == "https://www.koreaherald.com/view/img/netflix.jpg"
    assert article.published is not None
    assert article.published.date().isoformat() == "2024-04-01"
    assert article.words == 920


def test_jsonld_top_level_array() -> None:
    article = load("jsonld_array.html")
    assert article.title == "Ten dramas to binge this winter"
    assert article.author == "Jane Doe"
    assert article.image == "https://cdn.example.com/a.jpg"
    assert article.published == datetime(2023, 12, 1, tzinfo=UTC)


def test_broken_jsonld_is_repaired() -> None:
    article = load("jsonld_broken.html")
    assert article.title == "Broken JSON-LD still yields a headline"
    assert article.description == "Line one line two with a raw newline and a tab inside"
    assert article.author == "Choi Woo-shik"
    assert article.published == datetime(2024, 2, 14, 12, tzinfo=UTC)


def test_meta_names_and_link_rels() -> None:
    article = load("meta_names.html")
    assert article.title == "Old CMS headline with newlines"
    assert article.description == "A plain meta description from an old CMS."
    assert article.author == "Han So-hee"
    assert article.published == datetime(2022, 10, 11, 3, 4, 5, tzinfo=UTC)
    assert article.canonical == "https://news.example.com/story/42"
    assert article.image == "https://cdn.example.com/story42.jpg"


def test_dublin_core_date() -> None:
    assert load("meta_dates.html").published == datetime(2021, 7, 8, tzinfo=UTC)


def test_h1_and_first_paragraph_fallback() -> None:
    article = load("h1_only.html")
    assert article.title == "Only a heading here"
    assert article.description is not None
    assert article.description.startswith("This first real paragraph")


def test_visible_date_ignores_epoch_widgets() -> None:
    article = load("visible_date.html")
    assert article.published is not None
    assert article.published.date().isoformat() == "2023-11-07"


def test_date_from_url_path() -> None:
    article = extract_from_text("<title>x</title>", "https://blog.example.com/2006/12/04/post/")
    assert article.published is not None
    assert article.published.date().isoformat() == "2006-12-04"


def test_no_metadata_at_all() -> None:
    article = load("empty.html", "https://bare.example.com/")
    assert article == Article(url="https://bare.example.com/")


def test_relative_urls_use_base_and_refuse_javascript() -> None:
    article = load("relative.html")
    assert article.image == "https://static.example.org/news/pics/cover.webp"
    assert article.canonical == "https://static.example.org/news/relative-urls"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("korean_utf8.html", None),
        ("korean_utf8.html", "text/html; charset=utf-8"),
        ("korean_euckr.html", None),
        ("korean_euckr.html", "text/html; charset=EUC-KR"),
        ("korean_euckr.html", "text/html; charset=ks_c_5601-1987"),
    ],
)
def test_korean_pages(name: str, content_type: str | None) -> None:
    article = load(name, content_type=content_type)
    assert article.title == "눈물의 여왕, 최고 시청률 경신"
    assert article.description is not None
    assert "최고 시청률을 기록했다" in article.description


def test_euckr_bytes_are_not_utf8() -> None:
    raw = (PAGES / "korean_euckr.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_huge_attributes_are_capped_and_fast() -> None:
    huge = "A" * 3_000_000
    page = (
        f'<html><head><meta property="og:title" content="{huge}">'
        f'<meta property="og:image" content="https://x.example/{huge}">'
        f'<meta property="og:description" content="{"word " * 200_000}">'
        f'</head><body data-x="{huge}"></body></html>'
    )
    start = time.process_time()  # this process's CPU, whatever else the machine runs
    article = extract_from_text(page, URL)
    assert time.process_time() - start < 2
    assert article.title is not None
    assert len(article.title) <= 500
    assert article.description is not None
    assert len(article.description) <= 2000
    assert article.image is None  # longer than any URL we would hand to Discord


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x00\xff\xfe\x00garbage",
        b"<html><head><meta charset='no-such-codec'><title>t</title>",
        b"<script type='application/ld+json'>" + b"[" * 5000 + b"</script>",
        b'<script type=\'application/ld+json\'>{"@type":"Article","headline":5}</script>',
        b'<script type=\'application/ld+json\'>{"@graph":{"@graph":null}}</script>',
        b"<meta property='article:published_time' content='9999-99-99'>",
        b"<meta property='og:image' content='http://[::1'>",
        "<title>\u202e\ufeffx</title>".encode(),
    ],
)
def test_hostile_pages_never_crash(garbage: bytes) -> None:
    article = extract_article(garbage, URL)
    assert article.url == URL


def test_article_json_round_trip() -> None:
    article = load("og.html")
    assert Article.from_json(article.to_json()) == article


@pytest.mark.parametrize(
    ("declared", "words"),
    [
        ("1200", 1200),
        (1200, 1200),
        ("²", 0),  # str.isdigit() says yes, int() says no
        ("9" * 5000, 0),  # beyond int()'s digit limit
        ("12345678901", 0),  # no article is ten billion words long
        (-5, 0),
        (True, 0),
    ],
)
def test_declared_word_count_never_crashes(declared: object, words: int) -> None:
    ld = json.dumps({"@type": "NewsArticle", "headline": "H", "wordCount": declared})
    body = f"<script type='application/ld+json'>{ld}</script>".encode()
    assert extract_article(body, "https://e.example/").words == words
