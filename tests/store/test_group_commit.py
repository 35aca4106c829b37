"""Group commit: what many threads submit at once is written together, and each learns its own outcome."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from savile.store.group_commit import GroupCommit


@settings(max_examples=25, deadline=None)
@given(items=st.lists(st.integers(), max_size=60), threads=st.integers(1, 8))
def test_every_item_is_written_once_and_gets_its_own_outcome(items: list[int], threads: int) -> None:
    written: list[int] = []
    commits = GroupCommit(lambda group: (written.extend(group), [item * 2 for item in group])[1])
    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(commits.submit, items))
    assert outcomes == [item * 2 for item in items]
    assert sorted(written) == sorted(items) and commits.items == len(items)


def test_writes_waiting_while_one_is_written_go_together_in_the_next_group() -> None:
    groups: list[list[str]] = []
    writing, release = threading.Event(), threading.Event()

    def write(group: list[str]) -> list[str]:
        groups.append(group)
        if group == ["first"]:
            writing.set()
            release.wait(10)
        return group

    commits: GroupCommit[str, str] = GroupCommit(write)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(commits.submit, "first")
        assert writing.wait(10)
        rest = [pool.submit(commits.submit, f"w{i}") for i in range(5)]
        while sum(len(g) for g in groups) + len(commits._waiting) < 6:  # all five queued behind the first
            threading.Event().wait(0.01)
        release.set()
        assert first.result() == "first" and [f.result() for f in rest] == [f"w{i}" for i in range(5)]
    assert groups[0] == ["first"] and sorted(groups[1]) == [f"w{i}" for i in range(5)] and commits.groups == 2


def test_a_failed_item_fails_alone_and_a_failed_group_fails_all_of_it_but_not_the_next() -> None:
    def write(group: list[int]) -> list[int | BaseException]:
        if -1 in group:
            raise RuntimeError("the whole group failed")
        return [ValueError(f"bad {item}") if item < 0 else item for item in group]

    commits: GroupCommit[int, int] = GroupCommit(write)
    with pytest.raises(ValueError, match="bad -2"):
        commits.submit(-2)
    with pytest.raises(RuntimeError, match="whole group"):
        commits.submit(-1)
    assert commits.submit(3) == 3
