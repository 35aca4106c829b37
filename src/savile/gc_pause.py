"""Batch steps that build millions of long-lived objects pause Python's cyclic garbage collector."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block. Each automatic collection of the oldest
    generation walks every live container (a resolve at 1M records holds millions of dicts and
    tuples), though a batch step frees almost nothing in cycles: reference counting still frees
    the rest at once. What cycles the block leaves are collected after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
