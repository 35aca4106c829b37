"""SQLite's one writer: Savile's writers queue on ``SqlStore.writer`` across threads and processes."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from savile.store import SqlStore


def _hold_writer(store: SqlStore | str, held: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with (SqlStore(store) if isinstance(store, str) else store).writer():
        held.set()
        release.wait(30)


def _acquire_in_thread(store: SqlStore) -> threading.Event:
    acquired = threading.Event()

    def take() -> None:
        with store.writer():
            acquired.set()

    threading.Thread(target=take, daemon=True).start()
    return acquired


def _held_back_by_a_forked_writer(held_by: SqlStore | str, waiting: SqlStore) -> None:
    """``held_by`` takes the writer's lock in a forked process; ``waiting`` must queue until it lets go."""
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    other = context.Process(target=_hold_writer, args=(held_by, held, release))
    other.start()
    try:
        assert held.wait(30)
        acquired = _acquire_in_thread(waiting)
        assert not acquired.wait(0.5)  # queued behind the other process
        release.set()
        assert acquired.wait(30)
    finally:
        release.set()
        other.join(30)


def test_a_writer_in_another_process_holds_this_one_back_until_it_lets_go(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'savile.db'}"
    _held_back_by_a_forked_writer(url, SqlStore(url))


def test_a_forked_process_holds_its_own_lock_not_its_parents(tmp_path: Path) -> None:
    """The lock file stays open between writes; a fork shares open files, and with them flock locks."""
    store = SqlStore(f"sqlite:///{tmp_path / 'savile.db'}")
    with store.writer():  # opens the lock file before the fork
        pass
    _held_back_by_a_forked_writer(store, store)


def test_writers_in_one_thread_nest_and_other_threads_wait(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'savile.db'}")
    with store.writer(), store.writer():  # a trigger's decision inside its event's transaction
        acquired = _acquire_in_thread(store)
        assert not acquired.wait(0.3)
    assert acquired.wait(30)
