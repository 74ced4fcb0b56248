"""Turn fetched HTML bytes into text: BOM, HTTP charset, <meta charset>, then UTF-8.

Pure: no I/O. Labels follow the WHATWG encoding standard where it matters for news sites:
`euc-kr` and its aliases decode as cp949 (its superset, which Korean sites really send),
latin-1/ascii labels decode as windows-1252, and a `<meta>` that claims UTF-16 means UTF-8.
"""

from __future__ import annotations

import codecs
import re

# How far into the document a <meta charset> is looked for. The HTML spec says 1024 bytes;
# real pages often put scripts first, so we look further (still a cheap bytes regex).
PRESCAN_BYTES = 16 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_ALIASES = {
    "euc-kr": "cp949",
    "euckr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601-1989": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "korean": "cp949",
    "windows-949": "cp949",
    "x-windows-949": "cp949",
    "iso-ir-149": "cp949",
    "csksc56011987": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gbk",
    "x-sjis": "shift_jis",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}

_NOT_WEB = frozenset(
    {
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
        "utf-7",
        "undefined",
        "punycode",
        "idna",
        "unicode-escape",
        "raw-unicode-escape",
        "rot-13",
    }
)

_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def normalise_label(label: str | None) -> str | None:
    """The Python codec for an encoding label, or None when the label is unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # Only text encodings a web page can really be in: not bytes-to-bytes codecs (base64,
    # zlib), not Python's escapes, UTF-7 (which hides markup) or a quadratic punycode.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_WEB:
        return None
    return _ALIASES.get(info.name, info.name)


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as a Python codec name."""
    if not content_type:
        return None
    match = _HTTP_CHARSET.search(content_type)
    return normalise_label(match.group(1)) if match else None


def charset_from_meta(body: bytes) -> str | None:
    """The charset a `<meta charset>` or `<meta http-equiv content=...>` declares."""
    match = _META_CHARSET.search(body[:PRESCAN_BYTES])
    if match is None:
        return None
    codec = normalise_label(match.group(1).decode("ascii", "ignore"))
    # A page that reached us as bytes cannot really be UTF-16 when its <meta> is ASCII.
    return "utf-8" if codec is None and b"16" in match.group(1) else codec


def sniff_encoding(body: bytes, content_type: str | None = None) -> tuple[str, int]:
    """Pick the encoding: BOM, then HTTP charset, then <meta>, then UTF-8.

    Returns:
        The codec name and how many leading bytes (a BOM) to skip.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, len(bom)
    declared = charset_from_content_type(content_type) or charset_from_meta(body)
    return declared or "utf-8", 0


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML document; never raises, undecodable bytes become U+FFFD."""
    codec, skip = sniff_encoding(body, content_type)
    data = body[skip:]
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        # A body cut at the size cap may end inside a multi-byte character.
        truncated_tail = error.start >= len(data) - 3
    if codec == "utf-8" and not truncated_tail:
        # Undeclared and not UTF-8: Korean legacy pages are the common case here.
        try:
            return data.decode("cp949")
        except UnicodeDecodeError:
            return data.decode("utf-8", "replace")
    return data.decode(codec, "replace")
