from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from savile.identity.ids import assign_ids


def _counter():  # type: ignore[no-untyped-def]
    numbers = itertools.count(1)
    return lambda: f"new{next(numbers)}"


def test_ids_are_kept_when_clusters_do_not_change() -> None:
    result = assign_ids([["a", "b"], ["c"]], {"a": "X", "b": "X", "c": "Y"}, _counter())
    assert result.ids == ["X", "Y"] and result.changes == [] and result.merged == {}


def test_new_records_join_the_existing_customer() -> None:
    result = assign_ids([["a", "b", "n"]], {"a": "X", "b": "X"}, _counter())
    assert result.ids == ["X"]
    assert [(c.kind, c.customer_id, c.records) for c in result.changes] == [("joined", "X", ["n"])]


def test_a_merge_keeps_the_larger_customer_and_records_the_other() -> None:
    result = assign_ids([["a", "b", "c"]], {"a": "X", "b": "X", "c": "Y"}, _counter())
    assert result.ids == ["X"] and result.merged == {"Y": "X"}
    assert [(c.kind, c.other_customer_id, c.records) for c in result.changes] == [("merged", "Y", ["c"])]


def test_a_split_keeps_the_id_where_most_records_stay() -> None:
    result = assign_ids([["a", "b"], ["c"]], {"a": "X", "b": "X", "c": "X"}, _counter())
    assert result.ids == ["X", "new1"]
    assert [(c.kind, c.customer_id, c.other_customer_id) for c in result.changes] == [("created", "new1", None), ("split", "new1", "X")]


@given(st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=5, unique=True), max_size=8),
       st.dictionaries(st.integers(0, 30), st.sampled_from(["A", "B", "C", "D"])))
def test_ids_are_unique_and_every_old_id_is_kept_or_merged(clusters: list[list[int]], previous: dict[int, str]) -> None:
    seen: set[int] = set()
    clusters = [[k for k in c if not (k in seen or seen.add(k))] for c in clusters]  # type: ignore[func-returns-value]
    clusters = [c for c in clusters if c]
    previous = {k: v for k, v in previous.items() if k in seen}
    result = assign_ids(clusters, previous, _counter())
    assert len(set(result.ids)) == len(result.ids)
    for old in set(previous.values()):
        assert (old in result.ids) != (old in result.merged)
