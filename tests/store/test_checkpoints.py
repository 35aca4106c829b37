"""A server's SQLite log is checkpointed in the background, not inside the commits of requests."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from savile.store import SqlStore, operational


def _fill(store: SqlStore, rows: int) -> None:
    with store.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x TEXT)")
        connection.execute(sa.text("INSERT INTO t VALUES (:x)"), [{"x": "y" * 500} for _ in range(rows)])


def test_commits_leave_the_log_to_the_background_thread_which_copies_it(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'savile.db'}")
    store.checkpoint_in_background(every=3600)  # no tick during the test's writes
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        _fill(store, 20_000)  # ~2,500 pages: past SQLite's own threshold of 1,000
        assert (tmp_path / "savile.db").stat().st_size < 1_000_000  # still all in the log: no commit copied it
    finally:
        store.stop_background_checkpoints()
    with store.engine.connect() as connection:  # stopped: new connections checkpoint as SQLite does by default
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    store.dispose()


def test_the_background_thread_checkpoints_and_stops(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'savile.db'}")
    store.checkpoint_in_background(every=0.05, restart_at=256)
    try:
        _fill(store, 5_000)  # ~2.5 MB, in the log until a checkpoint copies it into the database file
        database = tmp_path / "savile.db"
        deadline = time.monotonic() + 10
        while database.stat().st_size < 2_500_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert database.stat().st_size >= 2_500_000
    finally:
        store.dispose()
    assert not any(t.name == "savile-sqlite-checkpoints" for t in threading.enumerate())


ROW = 2000  # bytes


def _write_steadily(store: SqlStore, rows: int) -> tuple[int, int]:
    """Commit small writes back to back, with reads between them, as a busy server does; returns
    the rows written and the largest the log file grew."""
    log_file = Path(str(store.engine.url.database) + "-wal")
    written = largest = 0
    deadline = time.monotonic() + 30
    while written < rows and time.monotonic() < deadline:
        with store.writer(), store.begin() as connection:
            connection.execute(sa.text("INSERT INTO t VALUES (:x)"), [{"x": "y" * ROW}] * 4)
        written += 4
        with store.reading() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM t WHERE rowid > 0").scalar()
        if log_file.exists():
            largest = max(largest, log_file.stat().st_size)
    return written, largest


def _assert_started_again(written: int, largest: int) -> None:
    logged = written * ROW  # at least what the rows put in the log, had it never started again
    assert logged >= 10_000_000, "too few writes to tell"
    # A log that never starts again holds most of it (8.1 MB of 10 MB in session 27). One that
    # does stays far below, by how much the machine's speed decides (a tick lost to a failure
    # lets the log grow for one tick more): half is the line between the two.
    assert largest < logged / 2, f"the log reached {largest:,} bytes of {logged:,} written"


def test_under_steady_writes_the_log_starts_again_rather_than_growing(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'savile.db'}")
    _fill(store, 1)
    store.checkpoint_in_background(every=0.05, restart_at=256)
    try:
        written, largest = _write_steadily(store, rows=5000)
    finally:
        store.dispose()
    _assert_started_again(written, largest)
    check = SqlStore(f"sqlite:///{tmp_path / 'savile.db'}")
    with check.reading() as connection:  # nothing written while the log started again was lost
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1 + written
    check.dispose()


def test_one_process_checkpoints_and_another_takes_over_when_it_stops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'savile.db'}"
    first, second = SqlStore(url), SqlStore(url)  # two opens of the lock file contend as two processes' would
    _fill(first, 1)
    first.checkpoint_in_background(every=0.05, restart_at=256)
    time.sleep(0.2)
    second.checkpoint_in_background(every=0.05, restart_at=256)
    try:
        _write_steadily(second, rows=400)
        assert _is_checkpointer(first) and not _is_checkpointer(second)
        first.stop_background_checkpoints()
        written, largest = _write_steadily(second, rows=5000)
        assert _is_checkpointer(second)
        _assert_started_again(written, largest)
    finally:
        first.dispose()
        second.dispose()


def _is_checkpointer(store: SqlStore) -> bool:
    checkpoints = store._checkpoints  # noqa: SLF001 — which process checkpoints is not public
    return checkpoints is not None and checkpoints.is_checkpointer


@pytest.mark.parametrize("step", ["flush_to_disk", "start_writeback"])
def test_a_failing_disk_step_is_logged_and_the_next_tick_goes_on(step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each tick starts the copied pages for the disk, and a restart flushes them first: an error
    in either (a disk's I/O error) ends only that tick."""
    calls: list[Path] = []
    real = getattr(operational, step)

    def failing_once(file: Path) -> object:
        calls.append(file)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        return real(file)

    monkeypatch.setattr(operational, step, failing_once)
    store = SqlStore(f"sqlite:///{tmp_path / 'savile.db'}")
    _fill(store, 1)
    store.checkpoint_in_background(every=0.05, restart_at=256)
    try:
        written, largest = _write_steadily(store, rows=5000)
        assert len(calls) > 1 and set(calls) == {tmp_path / "savile.db"}
        _assert_started_again(written, largest)
    finally:
        store.dispose()


def test_after_a_burst_the_log_file_is_cut_back_once_it_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operational, "LOG_FILE_KEPT", 1_000_000)
    url = f"sqlite:///{tmp_path / 'savile.db'}"
    log_file = tmp_path / "savile.db-wal"
    store = SqlStore(url)
    _fill(store, 1)
    store.checkpoint_in_background(every=0.05, restart_at=256)
    written = 1
    try:
        _fill(store, 20_000)  # a load beside the server: about 10 MB in the log at once
        written += 20_000
        assert log_file.stat().st_size > 8_000_000
        deadline = time.monotonic() + 10
        while log_file.stat().st_size > 1_100_000 and time.monotonic() < deadline:  # once restarted, the next commit cuts it
            _fill(store, 1)
            written += 1
            time.sleep(0.05)
        assert log_file.stat().st_size <= 1_100_000
    finally:
        store.dispose()
    check = SqlStore(url)
    with check.reading() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == written
    check.dispose()

