"""Links in chat text, URL normalisation, IP literals and address classification.

Pure: no I/O, no DNS. The fetcher (fetch.py) calls `check_url` before every hop and
`address_problem` for every address a name resolves to, at connect time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_LINKS = 3
MAX_URL_LENGTH = 2048
PUBLIC_PORTS = frozenset({80, 443})

_LINK = re.compile(r"https?://[^\s<>|`\"]+", re.IGNORECASE)
_SPOILER = re.compile(r"\|\|.*?\|\|", re.DOTALL)
_SUPPRESSED = re.compile(r"<https?://[^\s>]*>", re.IGNORECASE)
_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_TRAILING = ".,;:!?'\"*_~"
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "ref_src")


class UnsafeURL(ValueError):
    """The URL must not be fetched; the message says why in words a fan understands."""


def find_links(text: str, limit: int = MAX_LINKS) -> list[str]:
    """The http(s) links Discord would show in `text`, in order, deduplicated, at most `limit`.

    Links inside `<…>` (embed suppressed), `||…||` (spoilers) and code are left alone.
    """
    for pattern in (_CODE_BLOCK, _SPOILER, _INLINE_CODE, _SUPPRESSED):
        text = pattern.sub(" ", text)
    found: list[str] = []
    seen: set[str] = set()
    for match in _LINK.finditer(text):
        link = _trim(match.group(0))
        try:
            key = normalise_url(link)
        except UnsafeURL:
            continue
        if key not in seen:
            seen.add(key)
            found.append(link)
        if len(found) >= limit:
            break
    return found


def _trim(link: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from a link's end."""
    while link:
        last = link[-1]
        if not (last in _TRAILING or _unbalanced(link, last)):
            break
        link = link[:-1]
    return link


def _unbalanced(link: str, last: str) -> bool:
    opener = {")": "(", "]": "["}.get(last)
    return opener is not None and link.count(opener) < link.count(last)


def normalise_url(url: str) -> str:
    """A canonical form used as the cache and single-flight key.

    Lower-case scheme and host (IDNA), no default port, no fragment, no tracking
    parameters, `/` for an empty path.

    Raises:
        UnsafeURL: not an http(s) URL we could fetch.
    """
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL("That link is too long.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("That does not look like a valid link.") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise UnsafeURL("Only http:// and https:// links can be previewed.")
    host = _host_of(parts.hostname)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    if parts.username is not None or parts.password is not None:
        netloc = f"{parts.username or ''}@{netloc}"  # kept so check_url can refuse it
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_tracking(name) for name, _ in pairs):
        # Re-encode only when something is dropped: `?12345` must stay `?12345`.
        query = urlencode([(name, value) for name, value in pairs if not _tracking(name)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _tracking(name: str) -> bool:
    return name.lower().startswith(_TRACKING_PARAMS)


def _host_of(hostname: str | None) -> str:
    if not hostname:
        raise UnsafeURL("That link has no host name.")
    host = hostname.rstrip(".").lower()
    if not host:
        raise UnsafeURL("That link has no host name.")
    if ":" in host:
        return host  # IPv6 literal, urlsplit already removed the brackets
    return ascii_host(host)


def ascii_host(host: str) -> str:
    """A host name as it goes on the wire: IDNA by UTS #46, as browsers and aiohttp do.

    `faß.de` is `xn--fa-hia.de`, a different site than `fass.de` (which Python's own
    IDNA 2003 codec would give).

    Raises:
        UnsafeURL: a label cannot be part of a domain name; the message names it.
    """
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(labels):
        raise UnsafeURL("That link's host name is not valid.")
    encoded = []
    for label in labels:
        if label.isascii():
            encoded.append(label.lower())
            if len(label) > 63:
                raise UnsafeURL(f"That link's host name is not valid: {_shown(label)} is too long.")
            continue
        try:
            encoded.append(idna.encode(label, uts46=True, transitional=False).decode("ascii"))
        except idna.IDNAError:
            raise UnsafeURL(
                f"That link's host name is not valid: {_shown(label)} cannot be part of a "
                "domain name."
            ) from None
    return ".".join(encoded)


def _shown(label: str) -> str:
    """A label quoted for a chat message: in a code span, which nothing escapes from."""
    text = label.replace("`", "")
    return f"`{text if len(text) <= 40 else text[:39] + '…'}`"


# -- IP literals --------------------------------------------------------------------------


def _ipv4_part(text: str) -> int | None:
    """One part of an inet_aton style address: decimal, 0x hex or 0-prefixed octal."""
    if not text:
        return None
    try:
        if text[:2].lower() == "0x":
            return int(text[2:] or "0", 16)
        if len(text) > 1 and text[0] == "0":
            return int(text[1:], 8)
        return int(text, 10) if text.isdigit() else None
    except ValueError:
        return None


def _parse_ipv4_any(host: str) -> ipaddress.IPv4Address | None:
    parts = host.split(".")
    if len(parts) > 4:
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    *head, last = values
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def looks_numeric(host: str) -> bool:
    """Whether a host's last label is a number, which browsers treat as an IPv4 attempt."""
    last = host.rstrip(".").rsplit(".", 1)[-1]
    return bool(last) and (last.isdigit() or bool(re.fullmatch(r"0x[0-9a-f]*", last, re.I)))


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host name spells, in every spelling a resolver accepts; else None.

    `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1` and `[::ffff:127.0.0.1]` are all
    127.0.0.1.
    """
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    return _parse_ipv4_any(host)


# -- address classification ---------------------------------------------------------------

_BLOCKED_V4: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "an unspecified address"),
    ("10.0.0.0/8", "a private address"),
    ("100.64.0.0/10", "a carrier-grade NAT address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("172.16.0.0/12", "a private address"),
    ("192.0.0.0/24", "a reserved address"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a reserved address"),
    ("192.168.0.0/16", "a private address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("255.255.255.255/32", "the broadcast address"),
    ("240.0.0.0/4", "a reserved address"),
)
_BLOCKED_V6: tuple[tuple[str, str], ...] = (
    ("::/128", "an unspecified address"),
    ("::1/128", "a loopback address"),
    ("::/96", "a reserved address"),
    ("64:ff9b:1::/48", "a NAT64 address"),
    ("100::/64", "a reserved address"),
    ("2001::/32", "a Teredo address"),
    ("2001::/23", "a reserved address"),
    ("2001:db8::/32", "a documentation address"),
    ("3fff::/20", "a documentation address"),
    ("fc00::/7", "a private (ULA) address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a reserved address"),
    ("ff00::/8", "a multicast address"),
)
_V4_TABLE = tuple((ipaddress.IPv4Network(net), why) for net, why in _BLOCKED_V4)
_V6_TABLE = tuple((ipaddress.IPv6Network(net), why) for net, why in _BLOCKED_V6)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT, RFC 2765
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped/translated, NAT64 or 6to4 address wraps, if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or address in _TRANSLATED:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return address.sixtofour
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why the bot must not connect to `address` ("a loopback address"), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            problem = address_problem(inner)
            return None if problem is None else f"{problem} (wrapped in IPv6)"
        table: Iterable[tuple[IPNetwork, str]] = _V6_TABLE
    else:
        table = _V4_TABLE
    for network, why in table:
        if address in network:
            return why
    if not address.is_global:
        return "a non-public address"
    return None


def is_allowed(address: IPAddress, allowed: Iterable[IPNetwork]) -> bool:
    """Whether the operator exempted `address` (PREVIEW_ALLOWED_NETWORKS)."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(c.version == net.version and c in net for c in candidates for net in allowed)


def connect_problem(address: IPAddress, port: int, allowed: Iterable[IPNetwork]) -> str | None:
    """Why connecting to `address:port` is refused, or None when it is fine."""
    if is_allowed(address, allowed):
        return None
    problem = address_problem(address)
    if problem is not None:
        return f"it points to {problem}"
    if port not in PUBLIC_PORTS:
        return f"port {port} is not allowed (only 80 and 443)"
    return None


def check_url(url: str, allowed: Iterable[IPNetwork] = ()) -> tuple[str, int]:
    """Refuse what can be refused before DNS; return the host and port to connect to.

    Raises:
        UnsafeURL: wrong scheme, credentials, a blocked IP literal or port, a bad host.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("That does not look like a valid link.") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise UnsafeURL("Only http:// and https:// links can be previewed.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeURL("Links with a user name or password in them are not previewed.")
    host = _host_of(parts.hostname)
    port = port or (443 if scheme == "https" else 80)
    literal = parse_ip_literal(host)
    if literal is None and looks_numeric(host):
        raise UnsafeURL("That link's address is not valid.")
    if literal is not None:
        problem = connect_problem(literal, port, allowed)
        if problem:
            raise UnsafeURL(f"I can't preview that link: {problem}.")
    return host, port


def domain_matches(host: str, domain: str) -> bool:
    """Whether `host` is `domain` or one of its subdomains."""
    host = host.rstrip(".").lower()
    domain = domain.rstrip(".").lower()
    return host == domain or host.endswith("." + domain)


def host_of(url: str) -> str:
    """The lower-case host of a URL ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def parse_domain(text: str) -> str:
    """A moderator's domain entry ("soompi.com", "https://www.soompi.com/x") as `soompi.com`.

    Raises:
        UnsafeURL: not a domain name.
    """
    text = text.strip().lower()
    if "://" in text:
        text = host_of(text)
    text = text.split("/", 1)[0].removeprefix("*.").removeprefix("www.").rstrip(".")
    literal = parse_ip_literal(text)
    if literal is not None:
        return str(literal)
    try:
        text = ascii_host(text)
    except UnsafeURL:
        raise UnsafeURL("That is not a domain name (try `soompi.com`).") from None
    if not _DOMAIN.match(text):
        raise UnsafeURL("That is not a domain name (try `soompi.com`).")
    return text


def policy_problem(host: str, mode: str, allow: Iterable[str], deny: Iterable[str]) -> str | None:
    """Why a server's domain policy refuses `host`, or None when it may be previewed."""
    if any(domain_matches(host, domain) for domain in deny):
        return "this server's moderators blocked previews from that site"
    if mode == "allowlist" and not any(domain_matches(host, domain) for domain in allow):
        return "this server only previews sites its moderators allowed"
    return None
