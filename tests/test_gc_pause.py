from __future__ import annotations

import gc
import weakref

import pytest

from savile.gc_pause import cyclic_gc_paused


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_the_collector_is_paused_inside_and_resumed_after_even_on_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failing batch step")
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_left_by_the_block_are_collected_after_it() -> None:
    with cyclic_gc_paused():
        node = _Node()
        alive = weakref.ref(node)
        del node
        gc.collect(0)  # an explicit collection still works; the pause stops only automatic ones
        assert alive() is None
        node = _Node()
        alive = weakref.ref(node)
        del node
    assert alive() is not None  # nothing collected it automatically inside the block
    gc.collect()
    assert alive() is None
