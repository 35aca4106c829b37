"""Stable customer ids across runs: who keeps an id when clusters grow, merge or split."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)


@dataclass
class Change(Generic[Key]):
    kind: str  # created, joined, merged, split
    customer_id: str
    other_customer_id: str | None = None
    records: list[Key] = field(default_factory=list)


@dataclass
class Assignment(Generic[Key]):
    ids: list[str]  # one per cluster
    changes: list[Change[Key]]
    merged: dict[str, str]  # old id -> the id it was merged into


def new_customer_id() -> str:
    return f"cus_{uuid.uuid4().hex[:20]}"


def assign_ids(clusters: Sequence[Sequence[Key]], previous: Mapping[Key, str],
               make_id: Callable[[], str] = new_customer_id) -> Assignment[Key]:
    """Give each cluster an id, keeping the ids records had before wherever possible.

    An old id stays with the cluster that holds most of its records (ties: the id sorting
    first); a cluster gets at most one old id. An old id left without a cluster was merged.
    """
    counts = Counter((index, previous[key]) for index, members in enumerate(clusters) for key in members if key in previous)
    by_cluster: dict[int, str] = {}
    taken: set[str] = set()
    for (index, old), _ in sorted(counts.items(), key=lambda item: (-item[1], item[0][1], item[0][0])):
        if index not in by_cluster and old not in taken:
            by_cluster[index] = old
            taken.add(old)
    ids = [by_cluster.get(index) or make_id() for index in range(len(clusters))]
    changes: list[Change[Key]] = []
    merged: dict[str, str] = {}
    for index, members in enumerate(clusters):
        customer_id = ids[index]
        unseen = [key for key in members if key not in previous]
        if index not in by_cluster:
            changes.append(Change("created", customer_id, None, list(members)))
        elif unseen:
            changes.append(Change("joined", customer_id, None, unseen))
        for old in sorted({previous[key] for key in members if key in previous} - {customer_id}):
            moved = [key for key in members if previous.get(key) == old]
            changes.append(Change("split" if old in taken else "merged", customer_id, old, moved))
    for (index, old), _ in sorted(counts.items(), key=lambda item: (-item[1], item[0][1], item[0][0])):
        if old not in taken and old not in merged:
            merged[old] = ids[index]
    return Assignment(ids, changes, merged)
