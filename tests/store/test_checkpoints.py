"""A server's SQLite log is checkpointed in the background, not inside the commits of requests."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import sqlalchemy as sa

from savile.store import SqlStore


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
    store.checkpoint_in_background(every=0.05)
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
