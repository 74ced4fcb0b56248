"""Tolerant JSON-LD reading: broken JSON in, article objects out, never an exception.

Real pages ship JSON-LD with trailing commas, JavaScript comments, raw control characters,
HTML comment or CDATA wrappers and several objects back to back. We repair what is cheap to
repair and skip the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "askpublicnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "techarticle",
        "scholarlyarticle",
        "report",
    }
)
PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "medicalwebpage"})

MAX_SCRIPT_CHARS = 512 * 1024
MAX_DEPTH = 12
MAX_NODES = 2000

_WRAPPER = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?://\s*\]\]>|\]\]>|-->)\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
# Every token below matches to the end of the text when it is not closed (a string that
# never ends, `<!--` without `-->`): the regex engine then never retries from later
# openers, so the repairs stay linear on hostile input (no ReDoS while the GIL is held).
_STRING = r'"[^"\\]*(?:\\[\s\S]?[^"\\]*)*(?:"|\Z)'
_TOKENS = re.compile(rf"{_STRING}|<!--.*?(?:-->|\Z)|//[^\n]*|/\*.*?(?:\*/|\Z)", re.DOTALL)
_STRINGS = re.compile(_STRING)


def _strip_comments(text: str) -> str:
    """Remove //, /* */ and <!-- --> comments that are outside strings."""

    def keep(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.startswith('"') else " "

    return _TOKENS.sub(keep, text)


def _remove_trailing_commas(text: str) -> str:
    """Drop commas before } or ], leaving string contents alone."""
    pieces: list[str] = []
    last = 0
    for match in _STRINGS.finditer(text):
        pieces.append(_TRAILING_COMMA.sub(r"\1", text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_TRAILING_COMMA.sub(r"\1", text[last:]))
    return "".join(pieces)


def _decode_all(text: str) -> list[Any]:
    """Every JSON value in `text`, one after another (some pages concatenate objects)."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    index = 0
    length = len(text)
    while index < length:
        while index < length and text[index] in " \t\r\n;,":
            index += 1
        if index >= length:
            break
        value, index = decoder.raw_decode(text, index)
        values.append(value)
    return values


def parse_jsonld(text: str) -> list[Any]:
    """Parse one `<script type="application/ld+json">` body, repairing common breakage.

    Returns an empty list when nothing can be recovered; never raises.
    """
    text = text[:MAX_SCRIPT_CHARS].strip()
    unwrapped = _WRAPPER.sub("", _WRAPPER.sub("", text))
    # Cheapest first; the repairs only run when plain parsing fails.
    attempts: tuple[Callable[[], str], ...] = (
        lambda: text,
        lambda: unwrapped,
        lambda: _repair(unwrapped),
        lambda: _repair(text),
    )
    for attempt in attempts:
        try:
            return _decode_all(attempt())
        except (ValueError, RecursionError):
            continue
    return []


def _repair(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    return _remove_trailing_commas(_strip_comments(text))


def type_names(node: dict[str, Any]) -> set[str]:
    """The lower-case local names of a node's @type (a string or a list)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    names = set()
    for value in values:
        if isinstance(value, str):
            names.add(value.rsplit("/", 1)[-1].rsplit(":", 1)[-1].strip().lower())
    return names


def iter_nodes(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict at the top level, in arrays and in `@graph`, without unbounded recursion."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value[:MAX_NODES]:
            yield from iter_nodes(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        graph = value.get("@graph")
        if graph is not None:
            yield from iter_nodes(graph, depth + 1)
        main = value.get("mainEntity")
        if isinstance(main, dict | list):
            yield from iter_nodes(main, depth + 1)


def find_objects(values: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The article objects and the web-page objects among parsed JSON-LD values."""
    articles: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    for node in iter_nodes(values):
        names = type_names(node)
        if names & ARTICLE_TYPES:
            articles.append(node)
        elif names & PAGE_TYPES:
            pages.append(node)
    return articles, pages


def text_of(value: Any) -> str | None:
    """A plain string out of a JSON-LD value: a string, a {name|@value|url} object or a list."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for item in value:
            found = text_of(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key in ("name", "@value", "url", "contentUrl", "@id"):
            found = text_of(value.get(key))
            if found:
                return found
    return None


def names_of(value: Any) -> list[str]:
    """Person names from an `author` value (string, object, or a list of either)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items[:10]:
        if isinstance(item, str):
            name = item.strip()
        elif isinstance(item, dict):
            name = text_of(item.get("name")) or ""
        else:
            continue
        if name and not name.startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return names
