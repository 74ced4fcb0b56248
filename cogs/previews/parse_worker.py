"""The page parser process (see parser.py), run as `python -m cogs.previews.parse_worker`.

One JSON header line and the body in, one JSON line out, until stdin closes.
"""

from __future__ import annotations

import json
import sys
from typing import BinaryIO

from cogs.previews.extract import extract_article

MAX_BODY = 4 * 1024 * 1024
MEMORY_LIMIT = 1024 * 1024 * 1024


def _limit_memory() -> None:
    """Cap the address space so a page that makes the parser balloon kills only us."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer parse requests until stdin closes."""
    while True:
        line = stdin.readline()
        if not line:
            return
        header = json.loads(line)
        size = int(header["size"])
        if not 0 <= size <= MAX_BODY:
            return
        body = stdin.read(size)
        try:
            article = extract_article(body, str(header["url"]), header.get("content_type"))
            reply: dict[str, object] = {"article": article.to_json()}
        except Exception as error:  # a parser bug must not kill the worker silently
            reply = {"error": type(error).__name__}
        stdout.write(json.dumps(reply).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    _limit_memory()
    serve(sys.stdin.buffer, sys.stdout.buffer)
