"""Getting a file's written pages onto the disk: now, or started in the background."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable
from pathlib import Path

_WRITE = 2  # SYNC_FILE_RANGE_WRITE: start writing the dirty pages back, wait for none of them


def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """Linux's ``sync_file_range`` (the standard library has no wrapper); None elsewhere."""
    try:
        call = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


_SYNC_FILE_RANGE = _sync_file_range()


def flush_to_disk(file: Path) -> None:
    """Return once every page written to ``file`` is on the disk."""
    descriptor = os.open(file, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def start_writeback(file: Path) -> bool:
    """Have the kernel start writing ``file``'s dirty pages back, without waiting; a later
    ``flush_to_disk`` then has only what was written since. False where the system has no way."""
    if _SYNC_FILE_RANGE is None:
        return False
    descriptor = os.open(file, os.O_RDONLY)
    try:
        if _SYNC_FILE_RANGE(descriptor, 0, 0, _WRITE) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), str(file))
    finally:
        os.close(descriptor)
    return True
