"""Benchmark the preview extractor on the shared corpus of real article pages, then /preview.

Usage: .venv/bin/python bench/previews.py [corpus-dir] [--no-bot]
(default: the first shared/corpus/previews found beside the repo root or one of its parent
folders, so a worktree finds it too). The corpus is read in place, never copied. Prints
extraction time per page (median, p90) and how often title, description, date and image
match the ground truth.

Then, unless --no-bot, the real bot (its own process, against a fake Discord, previewing
pages of a local page server on 127.0.0.1; see bench/preview_bot.py) for issue 12's goals:
the first `/preview` the moment the bot is ready (parse workers already warm), four fans
`/preview` four different pages of one site at once (a small burst at once, then the
site's pacing), and a warm `/preview` of a local page (median < 50 ms).

Matching (lenient but honest):
- title: normalised text equal, or one contains the other (at least 15 chars); the page's
  own og:title also counts, since that is what a link card shows.
- description: normalised equal or containment (at least 30 chars), or the first
  80 normalised chars agree (truth files keep raw entities and trailing spaces).
- date: the same calendar day, in the offset each side wrote (or in UTC).
- image: URL equal after normalisation (scheme/host case, default port, fragment).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import statistics
import sys
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from cogs.previews.dates import parse_date  # noqa: E402
from cogs.previews.extract import Article, extract_article  # noqa: E402
from cogs.previews.jsonld import parse_jsonld  # noqa: E402
from cogs.previews.parser import ParseFailed, ParserPool  # noqa: E402
from cogs.previews.urls import normalise_url  # noqa: E402

CORPUS = Path("shared") / "corpus" / "previews"


def default_corpus() -> Path:
    """shared/corpus/previews beside the repo root or one of its parents (first found)."""
    for folder in ROOT.parents:
        if (folder / CORPUS).is_dir():
            return folder / CORPUS
    return ROOT.parent / CORPUS


ROUNDS = 5


def norm(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", html.unescape(text)).casefold()
    text = re.sub(r"[\u2018\u2019\u201c\u201d'\"`]", "", text)
    return re.sub(r"[\s\W_]+", " ", text).strip()


def contains(a: str, b: str, minimum: int) -> bool:
    short, long = sorted((a, b), key=len)
    return len(short) >= minimum and short in long


def og_title(body: bytes) -> str | None:
    tree = LexborHTMLParser(body.decode("utf-8", "replace"))
    node = tree.css_first('meta[property="og:title"]')
    return node.attributes.get("content") if node is not None else None


def title_ok(article: Article, truth: str, body: bytes) -> tuple[bool, bool]:
    got, want = norm(article.title), norm(truth)
    direct = bool(got) and (got == want or contains(got, want, 15))
    own = norm(og_title(body))
    return direct, direct or (bool(own) and got == own)


def description_ok(article: Article, truth: str) -> bool:
    got, want = norm(article.description), norm(truth)
    if not got or not want:
        return False
    return got == want or contains(got, want, 30) or got[:80] == want[:80]


def day(value: datetime) -> tuple[str, str]:
    return value.date().isoformat(), value.astimezone(UTC).date().isoformat()


def date_ok(article: Article, truth: str) -> bool:
    want = parse_date(truth)
    if article.published is None or want is None:
        return False
    return bool(set(day(article.published)) & set(day(want)))


def image_ok(article: Article, truth: str) -> bool:
    if not article.image:
        return False
    try:
        return normalise_url(article.image) == normalise_url(truth)
    except ValueError:
        return False


def time_page(body: bytes, url: str) -> float:
    best = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        extract_article(body, url)
        best.append(time.perf_counter() - start)
    return statistics.median(best) * 1000


def check_record(article: Article, truth: dict[str, Any], body: bytes) -> list[tuple[str, bool]]:
    checks = []
    if truth.get("title"):
        direct, with_og = title_ok(article, truth["title"], body)
        checks += [("title", direct), ("title+og", with_og)]
    if truth.get("description"):
        checks.append(("description", description_ok(article, truth["description"])))
    if truth.get("date"):
        checks.append(("date", date_ok(article, truth["date"])))
    if truth.get("image"):
        checks.append(("image", image_ok(article, truth["image"])))
    return checks


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    corpus = Path(args[0]) if args else default_corpus()
    records: list[dict[str, Any]] = json.loads((corpus / "ground_truth.json").read_text())
    times: list[float] = []
    score = {"title": 0, "title+og": 0, "description": 0, "date": 0, "image": 0}
    totals = dict.fromkeys(score, 0)
    misses: list[str] = []
    for record in records:
        body = (corpus / record["file"]).read_bytes()
        url = record.get("url") or f"https://example.invalid/{record['id']}"
        truth = record["truth"]
        times.append(time_page(body, url))
        article = extract_article(body, url)
        checks = check_record(article, truth, body)
        for name, ok in checks:
            totals[name] += 1
            score[name] += ok
            if not ok and name != "title":
                misses.append(f"  {name:12} {record['id']}: got {_got(article, name)!r}")
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print(f"pages: {len(records)}  (corpus: {corpus})")
    print(
        f"extraction time per page: median {statistics.median(times):.2f} ms, "
        f"p90 {p90:.2f} ms, max {times[-1]:.2f} ms"
    )
    for name in score:
        print(f"{name:12} {score[name]:>3}/{totals[name]}")
    robust = corpus / "robustness" / "extruct_jsonld"
    if robust.is_dir():
        ok, total = jsonld_robustness(robust)
        print(f"JSON-LD robustness fixtures parsed as expected: {ok}/{total}")
    if "-v" in sys.argv or "--misses" in sys.argv:
        print("misses:")
        print("\n".join(misses))
    asyncio.run(hostile_pages(corpus, records))
    if "--no-bot" not in sys.argv:
        from bench.preview_bot import through_the_bot

        asyncio.run(through_the_bot())


# Pages that make lexbor (or a naive regex) spend seconds to minutes of CPU; 1 MiB each.
HOSTILE = {
    "200k nested <div>": b"<html><body>" + b"<div>" * 220_000,
    "140k <option> in <select>": b"<select>" + b"<option>" * 140_000,
    "100k attributes on a tag": b"<div " + b" ".join(b"a%d=1" % i for i in range(100_000)),
    "JSON-LD of unclosed <!--": b"<script type='application/ld+json'>" + b"<!--" * 200_000,
    "1 MiB attribute": b"<meta property='og:title' content='" + b"A" * (1 << 20),
}


async def hostile_pages(corpus: Path, records: list[dict[str, Any]]) -> None:
    """Whole pages through the worker pool, timing each and the worst event-loop stall."""
    pool = ParserPool()
    try:
        await pool.extract(b"<title>warm up</title>", "https://example.invalid/")
        real = [(corpus / record["file"]).read_bytes()[: 1 << 20] for record in records]
        spent = []
        for body in real:
            start = time.perf_counter()
            await pool.extract(body, "https://example.invalid/")
            spent.append((time.perf_counter() - start) * 1000)
        print(
            f"through the parser process (IPC included): median {statistics.median(spent):.2f} "
            f"ms, max {max(spent):.2f} ms per real page"
        )
        for name, body in HOSTILE.items():
            elapsed, stall, outcome = await _watch(pool, body[: 1 << 20])
            print(f"  {name:26} {elapsed:6.0f} ms, worst loop stall {stall:5.1f} ms, {outcome}")
    finally:
        await pool.close()


async def _watch(pool: ParserPool, body: bytes) -> tuple[float, float, str]:
    worst = 0.0
    start = time.perf_counter()
    task = asyncio.ensure_future(pool.extract(body, "https://example.invalid/"))
    while not task.done():
        tick = time.perf_counter()
        await asyncio.sleep(0.005)
        worst = max(worst, time.perf_counter() - tick - 0.005)
    try:
        task.result()
        outcome = "parsed"
    except ParseFailed as error:
        outcome = f"refused: {error.message}"
    return (time.perf_counter() - start) * 1000, worst * 1000, outcome


def jsonld_robustness(folder: Path) -> tuple[int, int]:
    ok = total = 0
    for page in sorted(folder.glob("*.html")):
        expected = page.with_suffix(".jsonld")
        if not expected.is_file():
            continue
        tree = LexborHTMLParser(page.read_text(encoding="utf-8", errors="replace"))
        got: list[Any] = []
        for node in tree.css("script"):
            if (node.attributes.get("type") or "").strip().lower() == "application/ld+json":
                got += parse_jsonld(node.text(deep=True) or "")
        total += 1
        ok += got == json.loads(expected.read_text(encoding="utf-8"))
    return ok, total


def _got(article: Article, name: str) -> object:
    field = {"title+og": "title", "date": "published"}.get(name, name)
    return getattr(article, field, None)


if __name__ == "__main__":
    main()
