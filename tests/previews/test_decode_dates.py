"""Charset detection and date parsing."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cogs.previews.dates import date_from_url, parse_date
from cogs.previews.decode import decode_html, sniff_encoding

KOREAN = "눈물의 여왕"


@pytest.mark.parametrize(
    ("body", "content_type", "codec"),
    [
        (codecs.BOM_UTF8 + b"<p>x", "text/html; charset=iso-8859-1", "utf-8"),
        (codecs.BOM_UTF16_LE + "x".encode("utf-16-le"), None, "utf-16-le"),
        (b"<meta charset=euc-kr>", "text/html; charset=utf-8", "utf-8"),
        (b"<meta charset=euc-kr>", "text/html", "cp949"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=EUC-KR">', None, "cp949"),
        (b"<meta charset='utf-16'>", None, "utf-8"),
        (b"<meta charset=bogus>", None, "utf-8"),
        (b"<p>nothing</p>", None, "utf-8"),
        (b"<p>x", "text/html; charset=latin1", "cp1252"),
        (b"<p>x", 'text/html; charset="Shift_JIS"', "shift_jis"),
    ],
)
def test_sniff_encoding(body: bytes, content_type: str | None, codec: str) -> None:
    assert sniff_encoding(body, content_type)[0] == codec


def test_undeclared_cp949_falls_back() -> None:
    assert KOREAN in decode_html(f"<p>{KOREAN}</p>".encode("cp949"))


def test_utf8_cut_mid_character_is_not_misread_as_cp949() -> None:
    body = f"<p>{KOREAN}</p>".encode()[:-6]
    assert decode_html(body).startswith("<p>눈물의")


def test_wrong_declaration_never_raises() -> None:
    assert decode_html(b"\xff\xfe\xfa", "text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2024-03-05T09:30:00+09:00",
            datetime(2024, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=9))),
        ),
        ("2024-03-05T09:30:00.123Z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05 09:30", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024/03/05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024.03.05. 오후 8:06", datetime(2024, 3, 5, tzinfo=UTC)),
        ("20240305", datetime(2024, 3, 5, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 09:30:00 GMT", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("8 January 2020, 3:51 pm", datetime(2020, 1, 8, tzinfo=UTC)),
        ("Jan. 8th, 2020", datetime(2020, 1, 8, tzinfo=UTC)),
        ("1709631000", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-02-30", None),
        ("1970-01-01", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_future_dates_rejected_when_bounded() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_date("2030-01-01", latest=now) is None
    assert parse_date("2024-01-02", latest=now) is not None


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://x.com/2006/12/04/post/", "2006-12-04"),
        ("https://www.theguardian.com/education/2020/oct/02/story", "2020-10-02"),
        ("https://x.com/2020/13/40/", None),
        ("https://x.com/posts/12345", None),
        (None, None),
    ],
)
def test_date_from_url(url: str | None, day: str | None) -> None:
    found = date_from_url(url)
    assert (found.date().isoformat() if found else None) == day


@pytest.mark.parametrize(
    "label",
    [
        "undefined",  # a codec whose decode always raises
        "base64",  # bytes-to-bytes codecs: not text encodings at all
        "quopri",
        "zlib",
        "bz2",
        "punycode",  # quadratic on a megabyte; never a web page's encoding
        "idna",
        "utf-7",  # WHATWG forbids it (it hides markup)
        "unicode_escape",
        "raw_unicode_escape",
        "utf-32-le",
        "utf-16-be",
    ],
)
def test_labels_that_are_not_web_encodings_mean_utf8(label: str) -> None:
    page = f"<title>{KOREAN} +ADw-b+AD4-</title>"
    for content_type, body in (
        (f"text/html; charset={label}", page.encode()),
        ("text/html", f"<meta charset={label}>{page}".encode()),
    ):
        assert page in decode_html(body, content_type)


@pytest.mark.parametrize(
    "text",
    ["9999-12-31T23:59:59-23:59", "9999999999999", "2286-11-20", "3000-01-01T00:00:00Z"],
)
def test_placeholder_dates_far_in_the_future_are_ignored(text: str) -> None:
    # Shown as a Discord timestamp, year 9999 is noise (or "Invalid Date") in every client.
    assert parse_date(text) is None


def test_dates_this_century_still_parse() -> None:
    assert parse_date("2099-12-31") == datetime(2099, 12, 31, tzinfo=UTC)
