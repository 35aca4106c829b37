"""Clusters from scored pairs: strongest links first, never joining records known to differ.

Without conflicts this is exactly connected components. With them (two birth dates, two
national ids, a steward's "keep apart") a chain of weak links cannot pull two different people
into one cluster: a merge that would put a conflict inside one cluster is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Node = TypeVar("Node", bound=Hashable)


@dataclass(frozen=True)
class Edge(Generic[Node]):
    left: Node
    right: Node
    probability: float


@dataclass
class _Set(Generic[Node]):
    members: list[Node] = field(default_factory=list)


Conflicts = Callable[[Sequence[Node], Sequence[Node]], bool]


def cluster(nodes: Iterable[Node], edges: Iterable[Edge[Node]], conflicts: Conflicts | None = None) -> list[list[Node]]:
    """Partition ``nodes``: union along ``edges`` in descending probability, unless
    ``conflicts(members_a, members_b)`` says the two sets must stay apart."""
    parent: dict[Node, Node] = {}
    sets: dict[Node, _Set[Node]] = {}
    for node in nodes:
        parent[node] = node
        sets[node] = _Set([node])

    def root(node: Node) -> Node:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    ordered = sorted(edges, key=lambda e: (-e.probability, repr(e.left), repr(e.right)))  # stable whatever the input order
    for edge in ordered:
        a, b = root(edge.left), root(edge.right)
        if a == b:
            continue
        if conflicts is not None and conflicts(sets[a].members, sets[b].members):
            continue
        if len(sets[a].members) < len(sets[b].members):
            a, b = b, a
        parent[b] = a
        sets[a].members.extend(sets.pop(b).members)
    clusters = [sorted(s.members, key=repr) for s in sets.values()]
    return sorted(clusters, key=lambda members: repr(members[0]))
