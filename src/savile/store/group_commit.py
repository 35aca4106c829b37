"""Group commit: writes submitted by many threads at once go to the database in one transaction.

Every decision ends in a short write and a commit, and on SQLite a commit is a disk flush taken
under the one writer's lock. Under load the writers queued one commit at a time, so the queue,
not the work, bounded decisions per second. Here the first writer to arrive leads: it takes
every write waiting at that moment, runs them together and commits once, then wakes the others.
Those that arrived while it wrote form the next group. Alone, a writer leads a group of one
and waits for nobody; under load the groups grow by themselves, with no timer to tune.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


@dataclass
class _Waiting(Generic[Item, Outcome]):
    item: Item
    done: bool = False
    outcome: Outcome | None = None
    error: BaseException | None = field(default=None, repr=False)


class GroupCommit(Generic[Item, Outcome]):
    """Runs ``write(group)`` for groups of submitted items; ``write`` returns one outcome per item,
    in order, where an exception stands for that item's failure (and raising fails the group)."""

    def __init__(self, write: Callable[[list[Item]], Sequence[Outcome | BaseException]]) -> None:
        self._write = write
        self._changed = threading.Condition()
        self._waiting: list[_Waiting[Item, Outcome]] = []
        self._leading = False
        self.groups = 0  # how many groups were written, and how many items in all: the mean group size
        self.items = 0

    def submit(self, item: Item) -> Outcome:
        """Write ``item`` with whatever else is waiting; returns once it is committed."""
        mine: _Waiting[Item, Outcome] = _Waiting(item)
        with self._changed:
            self._waiting.append(mine)
            while self._leading and not mine.done:
                self._changed.wait()
            if not mine.done:  # nobody is writing: lead, taking everything waiting
                self._leading = True
                group, self._waiting = self._waiting, []
        if not mine.done:
            try:
                self._run(group)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.outcome  # type: ignore[return-value]

    def _run(self, group: list[_Waiting[Item, Outcome]]) -> None:
        try:
            outcomes = list(self._write([waiting.item for waiting in group]))
            if len(outcomes) != len(group):
                raise RuntimeError(f"A group write returned {len(outcomes)} outcomes for {len(group)} items.")
        except BaseException as error:  # noqa: BLE001 — each waiter, the leader too, raises the group's failure
            outcomes = [error] * len(group)
        self.groups += 1
        self.items += len(group)
        for waiting, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                waiting.error = outcome
            else:
                waiting.outcome = outcome
            waiting.done = True
