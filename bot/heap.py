"""Long-lived objects built in bulk, kept out of the garbage collector's way.

A full collection walks every tracked object with the event loop held. Building tens of
thousands of objects that live as long as the process (arming 10,000 servers' dramas: their
records, jobs and heap entries) sets off full collections as it goes (50-65 ms each on this
kind of machine) and leaves the objects to be walked by every later one. While such work
runs, the cyclic collector pauses (reference counting still frees all garbage without
cycles); when the process entry asked for it, what was built is then frozen, like the
start-up heap. A bot embedded in another program (the tests) never freezes that program's
objects.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class _Policy:
    freeze = False  # set by the process entry only
    depth = 0
    was_enabled = True


_policy = _Policy()


def freeze_after_bulk_builds(enabled: bool) -> None:
    """Whether what a bulk build made is frozen once it ends (the process entry says yes)."""
    _policy.freeze = enabled


@contextmanager
def bulk_build() -> Iterator[None]:
    """Pause the cyclic collector while many long-lived objects are built (nesting is fine)."""
    if _policy.depth == 0:
        _policy.was_enabled = gc.isenabled()
        gc.disable()
    _policy.depth += 1
    try:
        yield
    finally:
        _policy.depth -= 1
        if _policy.depth == 0:
            if _policy.freeze:
                gc.collect(1)  # the young garbage first: cheap, and not worth keeping
                gc.freeze()
                log.debug("bulk build frozen", extra={"objects": gc.get_freeze_count()})
            if _policy.was_enabled:
                gc.enable()
