"""Getting a file's pages onto the disk."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from savile.store.disk import flush_to_disk, start_writeback


def test_writeback_starts_on_linux_and_a_flush_follows(tmp_path: Path) -> None:
    file = tmp_path / "pages"
    file.write_bytes(b"x" * 1_000_000)
    assert start_writeback(file) is sys.platform.startswith("linux")  # elsewhere there is no such call, and it says so
    flush_to_disk(file)
    assert file.read_bytes() == b"x" * 1_000_000


def test_a_file_that_is_not_there_is_an_error_not_silence(tmp_path: Path) -> None:
    for call in (start_writeback, flush_to_disk):
        with pytest.raises(OSError):
            call(tmp_path / "missing")
