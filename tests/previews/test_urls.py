"""Links in chat text, URL keys, IP literals in every spelling, and address classes."""

from __future__ import annotations

import ipaddress

import pytest

from cogs.previews.urls import (
    UnsafeURL,
    address_problem,
    ascii_host,
    check_url,
    connect_problem,
    domain_matches,
    find_links,
    normalise_url,
    parse_ip_literal,
)

ALLOWED = (ipaddress.ip_network("127.0.0.2/32"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("look https://soompi.com/a", ["https://soompi.com/a"]),
        ("(see https://x.com/a_(b))", ["https://x.com/a_(b)"]),
        ("https://x.com/a, and https://y.com/b.", ["https://x.com/a", "https://y.com/b"]),
        ("<https://x.com/hidden> https://y.com/shown", ["https://y.com/shown"]),
        ("||https://x.com/spoiler|| ok", []),
        ("||spoiler\nhttps://x.com/s\n|| https://y.com/", ["https://y.com/"]),
        ("`https://x.com/code` ```\nhttps://y.com/block\n```", []),
        ("[masked](https://x.com/m)", ["https://x.com/m"]),
        ("https://a.com/1 https://a.com/1#frag https://A.com/1?utm_source=t", ["https://a.com/1"]),
        (
            " ".join(f"https://s{i}.com/" for i in range(6)),
            [f"https://s{i}.com/" for i in range(3)],
        ),
        ("ftp://x.com/file javascript:alert(1) http:/broken", []),
        ("HTTPS://UPPER.example.com/Path", ["HTTPS://UPPER.example.com/Path"]),
        ("no links here", []),
    ],
)
def test_find_links(text: str, expected: list[str]) -> None:
    assert find_links(text) == expected


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTPS://Example.COM", "https://example.com/"),
        ("https://example.com:443/a?b=1#top", "https://example.com/a?b=1"),
        ("http://example.com:8080/", "http://example.com:8080/"),
        ("https://example.com/?utm_source=x&id=3&fbclid=y", "https://example.com/?id=3"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://example.com./", "https://example.com/"),
        ("http://[::1]:80/", "http://[::1]/"),
    ],
)
def test_normalise_url(url: str, key: str) -> None:
    assert normalise_url(url) == key


@pytest.mark.parametrize(
    "url", ["ftp://x.com/", "https://", "https://x.com:99999/", "https://" + "a" * 3000]
)
def test_normalise_refuses(url: str) -> None:
    with pytest.raises(UnsafeURL):
        normalise_url(url)


@pytest.mark.parametrize(
    ("host", "wire"),
    [
        ("faß.de", "xn--fa-hia.de"),  # UTS #46 (IDNA 2008): not fass.de, another site
        ("FAß.DE", "xn--fa-hia.de"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("ＢÜＣＨＥＲ.example", "xn--bcher-kva.example"),  # full-width letters map down
        ("드라마.한국", "xn--hy1bv3co9b.xn--3e0b707e"),
        ("xn--fa-hia.de", "xn--fa-hia.de"),
        ("news.example.com.", "news.example.com"),
        ("my_site.example.com", "my_site.example.com"),  # ASCII is left as browsers leave it
    ],
)
def test_ascii_host_is_uts46(host: str, wire: str) -> None:
    assert ascii_host(host) == wire
    assert normalise_url(f"https://{host}/a") == f"https://{wire}/a"


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("☃.net", "That link's host name is not valid: `☃` cannot be part of a domain name."),
        ("café-.example", "`café-` cannot be part of a domain name"),
        ("a\u200db쇼.example", "cannot be part of a domain name"),
        ("a" * 64 + ".example", "is too long"),
        ("a..example", "That link's host name is not valid."),
    ],
)
def test_invalid_labels_are_named(host: str, message: str) -> None:
    with pytest.raises(UnsafeURL) as caught:
        ascii_host(host)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
        ("[fe80::1%25eth0]", "fe80::1"),
        ("0", "0.0.0.0"),  # noqa: S104 - a value under test, not a bind
        ("169.254.43518", "169.254.169.254"),
        ("example.com", None),
        ("1e100.net", None),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("08.1.1.1", None),
    ],
)
def test_parse_ip_literal(host: str, address: str | None) -> None:
    parsed = parse_ip_literal(host)
    assert (str(parsed) if parsed else None) == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.255", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - a value under test
        ("192.0.2.10", "documentation"),
        ("198.51.100.1", "documentation"),
        ("203.0.113.5", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "ULA"),
        ("fd12:3456::1", "ULA"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback address (wrapped in IPv6)"),
        ("::ffff:169.254.169.254", "link-local address (wrapped in IPv6)"),
        ("2002:7f00:1::", "loopback address (wrapped in IPv6)"),
        ("2002:a00:1::1", "private address (wrapped in IPv6)"),
        ("64:ff9b::7f00:1", "loopback address (wrapped in IPv6)"),
        ("64:ff9b::a9fe:a9fe", "link-local address (wrapped in IPv6)"),
        ("64:ff9b:1::1", "NAT64"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("2001:db8::1", "documentation"),
        ("::127.0.0.1", "reserved"),
        # IPv4-translated (SIIT, RFC 2765): a translator would forward it to 127.0.0.1.
        ("::ffff:0:7f00:1", "loopback address (wrapped in IPv6)"),
        ("::ffff:0:a9fe:a9fe", "link-local address (wrapped in IPv6)"),
        ("::ffff:0:0", "unspecified address (wrapped in IPv6)"),
    ],
)
def test_blocked_addresses(address: str, reason: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None
    assert reason in problem


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"],
)
def test_public_addresses(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_allowed_networks_exempt_address_and_port_only_for_themselves() -> None:
    assert connect_problem(ipaddress.ip_address("127.0.0.2"), 54321, ALLOWED) is None
    assert connect_problem(ipaddress.ip_address("::ffff:127.0.0.2"), 8080, ALLOWED) is None
    assert connect_problem(ipaddress.ip_address("127.0.0.1"), 80, ALLOWED) is not None
    assert connect_problem(ipaddress.ip_address("8.8.8.8"), 8080, ALLOWED) == (
        "port 8080 is not allowed (only 80 and 443)"
    )
    assert connect_problem(ipaddress.ip_address("8.8.8.8"), 443, ALLOWED) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0/",
        "http://user:pass@example.com/",
        "http://user@example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://1.2.3.999/",
        "http://8.8.8.8:22/",
        "http://127.0.0.2.nip.io.1/",
        "http://[::ffff:0:127.0.0.1]/",
        "http://[0:0:0:0:0:ffff:127.0.0.1]/",
        "http://[::ffff:7f00:0001]/",
        "http://[64:ff9b::7f00:2]:9999/",  # the exemption is for 127.0.0.2, not NAT64 to it
        "http://[fe80::1%25eth0]/",
        "http://[::]/",
        "http://0.0.0.0/",
        "HTTP://127.0.0.1/",
        " http://127.0.0.1\t/",
        "http://127.0.0.1#@evil.example/",
        "http://evil.example\\@127.0.0.1/",
        "http://%31%32%37.0.0.1/",
        "http://\u2460\u2461\u2466.0.0.1/",  # circled digits: IDNA maps them to 127.0.0.1
        "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # full-width digits
        "http://127\u30020\u30020\u30021/",  # ideographic full stops
    ],
)
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, ALLOWED)


def test_check_url_accepts() -> None:
    assert check_url("https://Example.com/a", ALLOWED) == ("example.com", 443)
    assert check_url("http://127.0.0.2:4567/a", ALLOWED) == ("127.0.0.2", 4567)
    assert check_url("http://example.com:8080/", ALLOWED) == ("example.com", 8080)


@pytest.mark.parametrize(
    ("host", "domain", "matches"),
    [
        ("soompi.com", "soompi.com", True),
        ("www.soompi.com", "soompi.com", True),
        ("notsoompi.com", "soompi.com", False),
        ("soompi.com.evil.net", "soompi.com", False),
        ("SOOMPI.com.", "soompi.com", True),
    ],
)
def test_domain_matches(host: str, domain: str, matches: bool) -> None:
    assert domain_matches(host, domain) is matches


def test_query_without_tracking_is_kept_verbatim() -> None:
    assert normalise_url("https://x.com/view?12345") == "https://x.com/view?12345"
    assert normalise_url("https://x.com/?a=b+c&d=%2F") == "https://x.com/?a=b+c&d=%2F"
