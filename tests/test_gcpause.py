"""paused_gc: reading a plan without cyclic collection, leaving the collector as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tracker.gcpause import paused_gc


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


class Node:
    """A tracked object that survives the block."""


def test_collection_is_off_inside_and_back_on_after():
    gc.enable()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled(), "only the outermost pause switches collection back on"
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_collection_resumes_when_the_block_raises():
    gc.enable()
    with pytest.raises(ValueError), paused_gc():
        raise ValueError("bad plan")
    assert gc.isenabled()


def test_what_survives_goes_to_the_oldest_generation():
    gc.enable()
    with paused_gc():
        survivor = Node()
    assert any(o is survivor for o in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0


def test_objects_frozen_by_someone_else_stay_frozen():
    gc.enable()
    gc.freeze()
    frozen = gc.get_freeze_count()
    with paused_gc():
        Node()
    assert gc.get_freeze_count() == frozen
