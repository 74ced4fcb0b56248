"""Tolerant JSON-LD parsing: every kind of breakage real CMSes ship."""

from __future__ import annotations

import time

import pytest

from cogs.previews.jsonld import find_objects, names_of, parse_jsonld, text_of

OBJ = {"@type": "NewsArticle", "headline": "H"}


@pytest.mark.parametrize(
    "text",
    [
        '{"@type": "NewsArticle", "headline": "H"}',
        '{"@type": "NewsArticle", "headline": "H",}',
        '{"@type": "NewsArticle", /* c */ "headline": "H"}',
        '{"@type": "NewsArticle", // c\n "headline": "H"}',
        '<!-- note -->\n{"@type": "NewsArticle", "headline": "H"}',
        '<!--\n{"@type": "NewsArticle", "headline": "H"}\n-->',
        '//<![CDATA[\n{"@type": "NewsArticle", "headline": "H"}\n//]]>',
        '{"@type": "NewsArticle", "headline": "H"};',
        '{"@type": "NewsArticle",\x01 "headline": "H"}',
    ],
)
def test_repairs(text: str) -> None:
    assert parse_jsonld(text) == [OBJ]


def test_strings_keep_comment_lookalikes() -> None:
    text = '{"u": "https://x.com//a", "h": "<!-- x --> /* y */", "t": "a,}"}'
    assert parse_jsonld(text) == [{"u": "https://x.com//a", "h": "<!-- x --> /* y */", "t": "a,}"}]


def test_raw_newlines_in_strings() -> None:
    assert parse_jsonld('{"d": "line\nline"}') == [{"d": "line\nline"}]


def test_concatenated_objects() -> None:
    assert parse_jsonld('{"a": 1}\n{"b": 2}') == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize("text", ["", "nope", "{", "[" * 100_000, '{"a": "unterminated'])
def test_hopeless_input_gives_nothing(text: str) -> None:
    assert parse_jsonld(text) == []


def test_find_objects_in_graph_arrays_and_main_entity() -> None:
    values = [
        {"@graph": [{"@type": "WebPage", "mainEntity": {"@type": "BlogPosting", "headline": "B"}}]},
        [{"@type": ["Thing", "http://schema.org/NewsArticle"], "headline": "N"}],
        {"@type": 5},
        "junk",
    ]
    articles, pages = find_objects(values)
    assert [a["headline"] for a in articles] == ["B", "N"]
    assert len(pages) == 1


def test_deep_nesting_is_bounded() -> None:
    value: object = {"@type": "NewsArticle"}
    for _ in range(500):
        value = {"@graph": [value]}
    articles, _ = find_objects([value])
    assert articles == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("  x ", "x"),
        ({"url": "https://i/x.jpg"}, "https://i/x.jpg"),
        ([{}, {"name": "N"}], "N"),
        ({"@value": "v"}, "v"),
        (5, None),
        (None, None),
    ],
)
def test_text_of(value: object, text: str | None) -> None:
    assert text_of(value) == text


def test_names_of() -> None:
    value = [{"name": "A"}, "B", {"name": "A"}, {"name": "https://x/"}, 3]
    assert names_of(value) == ["A", "B"]


@pytest.mark.parametrize(
    "text",
    [
        "<!--" * 12_000,  # comment openers that never close
        '"' + '\\"' * 12_000,  # one string that never closes, full of escaped quotes
        '"' + "a" * 40_000 + "\\",  # a string ending in a lone backslash
        "/*" * 12_000,
        "," + " " * 40_000,
    ],
)
def test_repairs_run_in_linear_time(text: str) -> None:
    # The repairs run in a worker while the gateway heartbeat waits for the GIL: a regex
    # that backtracks quadratically on a hostile <script> would stall the whole bot.
    # CPU time of this process, so a busy machine does not fail it; quadratic takes seconds.
    start = time.process_time()
    assert parse_jsonld(text) == []
    assert time.process_time() - start < 0.25
