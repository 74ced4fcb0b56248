"""Article metadata from an HTML page: pure, fast (selectolax/lexbor), never raises on bad input.

Each field is taken from the first source that has it: Open Graph → Twitter card →
JSON-LD (schema.org articles, @graph, broken JSON) → `<meta name=…>` → `<title>`/`<h1>`.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from cogs.previews import jsonld
from cogs.previews.dates import date_from_url, parse_date
from cogs.previews.decode import decode_html

MAX_FIELD_CHARS = 2000
MAX_URL_CHARS = 2048
MIN_PARAGRAPH_CHARS = 60
MAX_WORD_DIGITS = 7  # a declared wordCount above 9,999,999 is not an article

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

TITLE_KEYS = ("og:title", "twitter:title")
META_TITLE_KEYS = ("title", "dc.title", "parsely-title", "sailthru.title", "headline")
DESCRIPTION_KEYS = ("og:description", "twitter:description")
META_DESCRIPTION_KEYS = ("description", "dc.description", "sailthru.description")
IMAGE_KEYS = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
SITE_KEYS = ("og:site_name",)
META_SITE_KEYS = ("application-name", "apple-mobile-web-app-title", "publisher")
AUTHOR_KEYS = ("article:author", "twitter:creator")
META_AUTHOR_KEYS = (
    "author",
    "byl",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "article.author",
    "citation_author",
)
DATE_KEYS = ("article:published_time", "og:published_time", "og:article:published_time")
META_DATE_KEYS = (
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "published-date",
    "article.published",
    "article_date_original",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "original-publish-date",
    "cxenseparse:recs:publishtime",
    "og:updated_time",
    "article:modified_time",
)
VISIBLE_DATE_SELECTORS = (
    ('[itemprop="datePublished"]', 2),
    ("time[pubdate]", 2),
    ("abbr.published, .published[title]", 2),
    ("[data-date-time], [data-published]", 2),
    ("time[datetime]", 2),
    ('[class*="date"], [class*="publish"]', 8),
    ('[class*="time"]', 4),
)
DATE_ATTRIBUTES = (
    "datetime",
    "content",
    "title",
    "data-date-time",
    "data-published",
)
MAX_DATE_TEXT = 120


@dataclass(frozen=True)
class Article:
    """What a preview shows about a page. Text fields are plain (not yet escaped)."""

    url: str
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    author: str | None = None
    published: datetime | None = None
    image: str | None = None
    canonical: str | None = None
    lang: str | None = None
    words: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the cache)."""
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        """The inverse of `to_json`; unknown keys are ignored."""
        fields: dict[str, Any] = {
            key: data[key] for key in cls.__dataclass_fields__ if data.get(key) is not None
        }
        published = fields.get("published")
        fields["published"] = datetime.fromisoformat(published) if published else None
        fields["words"] = int(fields.get("words") or 0)
        fields["url"] = str(data.get("url") or "")
        return cls(**fields)


@dataclass
class _Page:
    """What one pass over the document collected."""

    meta: dict[str, str]
    links: dict[str, str]
    articles: list[dict[str, Any]]
    webpages: list[dict[str, Any]]


def clean_text(value: str | None, limit: int = MAX_FIELD_CHARS) -> str | None:
    """Collapse whitespace, unescape stray entities, cap the length; None when empty."""
    if not value:
        return None
    value = value[: limit * 2]
    if "&" in value:
        value = html.unescape(value)
    value = _SPACE.sub(" ", value).strip()
    return value[:limit] or None


def _absolute(base: str, value: str | None) -> str | None:
    if not value or len(value) > MAX_URL_CHARS:
        return None
    value = value.strip()
    try:
        url = urljoin(base, value)
    except ValueError:
        return None
    return url if urlsplit(url).scheme in {"http", "https"} else None


# One walk over the tree finds every node the metadata lives in.
_COLLECT = 'meta[content], link[rel][href], script[type="application/ld+json" i]'


def _collect(tree: LexborHTMLParser) -> _Page:
    meta: dict[str, str] = {}
    links: dict[str, str] = {}
    values: list[Any] = []
    for node in tree.css(_COLLECT):
        tag = node.tag
        attrs = node.attributes
        if tag == "meta":
            _add_meta(meta, attrs)
        elif tag == "link":
            for rel in (attrs.get("rel") or "").lower().split():
                links.setdefault(rel, attrs.get("href") or "")
        else:
            values += jsonld.parse_jsonld(node.text(deep=True) or "")
    articles, webpages = jsonld.find_objects(values)
    return _Page(meta, links, articles, webpages)


def _add_meta(meta: dict[str, str], attrs: dict[str, str | None]) -> None:
    content = attrs.get("content")
    if not content:
        return
    for attr in ("property", "name", "itemprop"):
        key = attrs.get(attr)
        if key:
            meta.setdefault(key.strip().lower(), content)


def _first_meta(page: _Page, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = page.meta.get(key)
        if value and value.strip():
            return value
    return None


def _from_jsonld(page: _Page, key: str) -> Any:
    for node in (*page.articles, *page.webpages):
        value = node.get(key)
        if value:
            return value
    return None


def _title(page: _Page, tree: LexborHTMLParser) -> str | None:
    found = _first_meta(page, TITLE_KEYS) or jsonld.text_of(_from_jsonld(page, "headline"))
    found = found or _first_meta(page, META_TITLE_KEYS)
    if not found:
        node = tree.css_first("title")
        found = node.text() if node is not None else None
    if not found or not found.strip():
        node = tree.css_first("h1")
        found = node.text() if node is not None else None
    return clean_text(found, 500)


def _description(page: _Page, tree: LexborHTMLParser) -> str | None:
    found = _first_meta(page, DESCRIPTION_KEYS) or jsonld.text_of(_from_jsonld(page, "description"))
    found = found or _first_meta(page, META_DESCRIPTION_KEYS)
    return clean_text(found) or _first_paragraph(tree)


def _first_paragraph(tree: LexborHTMLParser) -> str | None:
    scope = tree.css_first("article") or tree.body
    if scope is None:
        return None
    for node in scope.css("p"):
        text = clean_text(node.text())
        if text and len(text) >= MIN_PARAGRAPH_CHARS:
            return text
    return None


def _author(page: _Page) -> str | None:
    found = _first_meta(page, AUTHOR_KEYS)
    if found and not found.startswith(("http://", "https://", "@")):
        return clean_text(found, 200)
    names = jsonld.names_of(_from_jsonld(page, "author"))
    if names:
        return clean_text(", ".join(names[:3]), 200)
    return clean_text(_first_meta(page, META_AUTHOR_KEYS), 200)


def _published(page: _Page, tree: LexborHTMLParser, url: str) -> datetime | None:
    candidates = [
        _first_meta(page, DATE_KEYS),
        jsonld.text_of(_from_jsonld(page, "datePublished")),
        jsonld.text_of(_from_jsonld(page, "dateCreated")),
    ]
    candidates += [page.meta.get(key) for key in META_DATE_KEYS]
    for candidate in candidates:
        parsed = parse_date(candidate)
        if parsed is not None:
            return parsed
    for address in (page.meta.get("og:url"), page.links.get("canonical"), url):
        parsed = date_from_url(address)
        if parsed is not None:
            return parsed
    return _visible_date(tree)


def _visible_date(tree: LexborHTMLParser) -> datetime | None:
    """A date shown on the page (microformats, <time>, a "date" element), as a last resort."""
    for selector, limit in VISIBLE_DATE_SELECTORS:
        for node in tree.css(selector)[:limit]:
            attrs = node.attributes
            values = [attrs.get(name) for name in DATE_ATTRIBUTES]
            text = node.text(deep=True)
            if text and len(text) <= MAX_DATE_TEXT:
                values.append(text)
            for value in values:
                parsed = parse_date(value)
                if parsed is not None:
                    return parsed
    return None


def _image(page: _Page, base: str) -> str | None:
    found = _first_meta(page, IMAGE_KEYS) or jsonld.text_of(_from_jsonld(page, "image"))
    found = found or page.links.get("image_src")
    return _absolute(base, found)


def _site_name(page: _Page) -> str | None:
    found = _first_meta(page, SITE_KEYS)
    if not found:
        for node in page.articles:
            found = jsonld.text_of(node.get("publisher"))
            if found:
                break
    return clean_text(found or _first_meta(page, META_SITE_KEYS), 200)


def _canonical(page: _Page, base: str) -> str | None:
    return _absolute(base, page.meta.get("og:url")) or _absolute(base, page.links.get("canonical"))


def _declared_words(value: Any) -> int | None:
    """A JSON-LD wordCount that is a plausible count (not `²`, not 5000 digits), else None."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_WORD_DIGITS):
        return None
    return int(text) or None


def _word_count(page: _Page, tree: LexborHTMLParser) -> int:
    declared = _declared_words(_from_jsonld(page, "wordCount"))
    if declared is not None:
        return declared
    scope = tree.css_first("article") or tree.body
    if scope is None:
        return 0
    words = 0
    for node in scope.css("p"):
        text = node.text()
        words += len(_WORD.findall(text)) + len(_CJK.findall(text)) // 2
    return words


def extract_article(body: bytes, url: str, content_type: str | None = None) -> Article:
    """Read a page's metadata.

    Args:
        body: The HTML bytes as fetched (possibly cut at the size cap).
        url: The page's final URL, the base for relative links.
        content_type: The Content-Type header, for its charset.
    """
    return extract_from_text(decode_html(body, content_type), url)


def extract_from_text(text: str, url: str) -> Article:
    """Read a page's metadata from already decoded HTML."""
    tree = LexborHTMLParser(text)
    page = _collect(tree)
    base = url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = _absolute(url, base_node.attributes.get("href")) or url
    html_node = tree.css_first("html")
    lang = html_node.attributes.get("lang") if html_node is not None else None
    return Article(
        url=url,
        title=_title(page, tree),
        description=_description(page, tree),
        site_name=_site_name(page),
        author=_author(page),
        published=_published(page, tree, url),
        image=_image(page, base),
        canonical=_canonical(page, base),
        lang=clean_text(lang, 20),
        words=_word_count(page, tree),
    )
