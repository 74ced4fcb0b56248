"""Article → Discord embed dict, within Discord's limits, with page text made inert. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from bot.bidi import strip_bidi
from bot.replies import timestamp
from bot.text import inert_markdown, shorten
from bot.timeutil import to_unix
from cogs.previews.extract import Article
from cogs.previews.urls import ascii_host

if TYPE_CHECKING:
    from cogs.previews.store import GuildPolicy

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
PREVIEW_DESCRIPTION = 350
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
AUTHOR_LIMIT = 256
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
URL_LIMIT = 2048
WORDS_PER_MINUTE = 230
MIN_WORDS_FOR_ESTIMATE = 80
EMBED_COLOUR = 0xE0457B

_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class DramaMention:
    """A tracked drama the article names, with its next episode if one is scheduled."""

    title: str
    episode: int | None
    airs_at: datetime | None


def reading_minutes(words: int) -> int | None:
    """Estimated reading time in minutes, or None when the page is too short to say."""
    if words < MIN_WORDS_FOR_ESTIMATE:
        return None
    return max(1, round(words / WORDS_PER_MINUTE))


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL Discord accepts in an embed (spaces and non-ASCII escaped), or None."""
    if not url or len(url) > URL_LIMIT or _URL_CONTROL.search(url.strip()):
        return None
    try:
        parts = urlsplit(url.strip())
        port, host = parts.port, parts.hostname
        if ":" not in (host or ""):
            host = ascii_host(host or "")
    except (ValueError, UnicodeError):
        return None
    if parts.scheme not in {"http", "https"} or not host or "@" in parts.netloc:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    path = quote(parts.path, safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    fragment = quote(parts.fragment, safe=_QUERY_SAFE)
    safe = urlunsplit((parts.scheme, netloc, path, query, fragment))
    return safe if len(safe) <= URL_LIMIT else None


_SITE_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def _site_host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
    for prefix in _SITE_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            return host.removeprefix(prefix)
    return host


def same_site(canonical: str, url: str) -> bool:
    """Whether a page's canonical link stays on the page's own site.

    Same host (ignoring `www.`/`m.`), or a subdomain of it. A page must not turn the card
    for the link a fan shared into a link that opens elsewhere.
    """
    target, page = _site_host(canonical), _site_host(url)
    return bool(page) and (target == page or target.endswith("." + page))


def drama_line(mention: DramaMention) -> str:
    """One line: the drama's next episode as a Discord timestamp."""
    name = inert_markdown(mention.title)
    if mention.episode is None or mention.airs_at is None:
        return f"📺 **{name}**: no more episodes scheduled."
    unix = to_unix(mention.airs_at)
    airs = f"{timestamp(unix, 'F')} ({timestamp(unix, 'R')})"
    return f"📺 **{name}** episode {mention.episode} airs {airs}"


def _fields(article: Article) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    author = shorten(inert_markdown(article.author or "").strip(), 200)
    if author:  # Discord refuses an empty field value (a name of only bidi controls)
        fields.append({"name": "By", "value": author, "inline": True})
    if article.published is not None:
        unix = to_unix(article.published)
        published = f"{timestamp(unix, 'D')} ({timestamp(unix, 'R')})"
        fields.append({"name": "Published", "value": published, "inline": True})
    minutes = reading_minutes(article.words)
    if minutes is not None:
        fields.append({"name": "Reading time", "value": f"~{minutes} min", "inline": True})
    return fields


def _size(embed: dict[str, Any]) -> int:
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("author", {}).get("name", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    for field in embed.get("fields", []):
        total += len(field["name"]) + len(field["value"])
    return total


def mood_field(question: str, options: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The embed field that says what the reactions under a preview are for."""
    value = " · ".join(f"{emoji} {label}" for emoji, label in options)
    return {"name": question, "value": value, "inline": False}


def build_embed(
    article: Article,
    extra_lines: Sequence[str] = (),
    extra_fields: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The preview embed for `article` (a Discord embed payload), inside every embed limit.

    Args:
        article: What the page said about itself.
        extra_lines: Lines appended under the description (the drama's next episode).
        extra_fields: Fields after the article's own (the mood poll's question).
    """
    canonical = _safe_url(article.canonical)
    if canonical and not same_site(canonical, article.url):
        canonical = None
    link = canonical or _safe_url(article.url)
    host = (urlsplit(article.url).hostname or "").removeprefix("www.")
    title = inert_markdown(article.title or "").strip() or inert_markdown(host or "Link")
    embed: dict[str, Any] = {
        "type": "rich",
        "title": shorten(title, TITLE_LIMIT),
        "color": EMBED_COLOUR,
    }
    if link:
        embed["url"] = link
    site_name = shorten(strip_bidi(article.site_name or "").strip(), AUTHOR_LIMIT)
    if site_name:  # Discord refuses an author without a name
        embed["author"] = {"name": site_name}
    embed["footer"] = {"text": shorten(host, FOOTER_LIMIT) or "link preview"}
    image = _safe_url(article.image)
    if image:
        embed["image"] = {"url": image}
    fields = [*_fields(article), *extra_fields]
    if fields:
        embed["fields"] = fields
    lines = [shorten(inert_markdown(article.description or "").strip(), PREVIEW_DESCRIPTION)]
    lines = [line for line in (*lines, *extra_lines) if line]
    if lines:
        embed["description"] = shorten("\n\n".join(lines), DESCRIPTION_LIMIT)
    overflow = _size(embed) - TOTAL_LIMIT
    if overflow > 0 and "description" in embed:
        embed["description"] = shorten(
            embed["description"], max(len(embed["description"]) - overflow, 1)
        )
    return embed


def mentioned_drama(
    text: str, dramas: Iterable[tuple[int, str, Sequence[str]]]
) -> tuple[int, str] | None:
    """The first tracked drama whose title or alias appears in `text` as whole words.

    Args:
        text: The article's title and description.
        dramas: (drama id, title, aliases) of the server's tracked dramas.

    Returns:
        (drama id, title) or None.
    """
    for drama_id, title, aliases in dramas:
        for name in (title, *aliases):
            name = name.strip()
            if len(name) < 2:
                continue
            pattern = rf"(?<!\w){re.escape(name)}(?!\w)"
            if re.search(pattern, text, re.IGNORECASE):
                return drama_id, title
    return None


def describe_policy(policy: GuildPolicy) -> str:
    """The domain mode and both lists, one domain a line (200 of them need several pages)."""
    mode = "only allowed sites" if policy.domain_mode == "allowlist" else "all public sites"
    allow = "".join(f"\n• `{d}`" for d in policy.allow) or " none"
    deny = "".join(f"\n• `{d}`" for d in policy.deny) or " none"
    return f"Previews cover {mode}.\nAllowed:{allow}\nDenied:{deny}"


def status_lines(policy: GuildPolicy, *, message_content: bool) -> list[str]:
    """The previews lines of /config show."""
    lines = [
        f"Link previews: {policy.domain_mode} sites, {len(policy.allow)} allowed, "
        f"{len(policy.deny)} denied; mood poll {'on' if policy.mood_poll else 'off'}."
    ]
    if not message_content:
        lines.append(
            "Link previews: automatic previews are off because I lack the Message "
            "Content intent; `/preview` and the *Preview article* menu still work."
        )
    return lines
