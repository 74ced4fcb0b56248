"""Bulk builds pause the cyclic collector, and freeze what they built only when asked."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.heap import bulk_build, freeze_after_bulk_builds


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    freeze_after_bulk_builds(False)
    gc.unfreeze()
    gc.enable()


def test_the_collector_pauses_for_a_build_and_nested_builds() -> None:
    assert gc.isenabled()
    with bulk_build():
        assert not gc.isenabled()
        with bulk_build():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer build still runs
    assert gc.isenabled()


def test_a_build_that_fails_still_resumes_the_collector() -> None:
    with pytest.raises(RuntimeError), bulk_build():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_paused_by_its_owner_stays_paused() -> None:
    gc.disable()
    with bulk_build():
        pass
    assert not gc.isenabled()


def test_what_a_build_made_is_frozen_only_when_the_process_entry_asks() -> None:
    gc.unfreeze()
    with bulk_build():
        kept = [[index] for index in range(1000)]
    assert gc.get_freeze_count() == 0  # a bot embedded in tests leaves the heap alone
    freeze_after_bulk_builds(True)
    with bulk_build():
        kept += [[index] for index in range(1000)]
    assert gc.get_freeze_count() >= len(kept)
