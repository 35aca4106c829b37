from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from savile.identity.clustering import Edge, cluster

graphs = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.5, 1.0)), max_size=3 * n),
    )
)


def _edges(raw: list[tuple[int, int, float]]) -> list[Edge[int]]:
    return [Edge(a, b, p) for a, b, p in raw if a != b]


@settings(max_examples=200)
@given(graphs)
def test_clustering_without_conflicts_equals_networkx_connected_components(graph: tuple[int, list]) -> None:
    n, raw = graph
    expected = nx.Graph()
    expected.add_nodes_from(range(n))
    expected.add_edges_from((a, b) for a, b, _ in raw if a != b)
    ours = {frozenset(c) for c in cluster(range(n), _edges(raw))}
    assert ours == {frozenset(c) for c in nx.connected_components(expected)}


@given(graphs, st.randoms(use_true_random=False))
def test_clustering_is_a_partition_independent_of_edge_order(graph: tuple[int, list], rng) -> None:  # type: ignore[no-untyped-def]
    n, raw = graph
    edges = _edges(raw)
    shuffled = list(edges)
    rng.shuffle(shuffled)
    first = cluster(range(n), edges)
    assert sorted(x for c in first for x in c) == list(range(n))
    assert cluster(reversed(range(n)), shuffled) == first


@given(graphs, st.sets(st.integers(0, 39), max_size=6))
def test_clustering_never_puts_conflicting_nodes_together(graph: tuple[int, list], marked: set[int]) -> None:
    # Nodes in ``marked`` are pairwise different people (think: different birth dates).
    n, raw = graph

    def conflicts(a, b):  # type: ignore[no-untyped-def]
        return any(x in marked for x in a) and any(y in marked for y in b)

    for members in cluster(range(n), _edges(raw), conflicts):
        assert sum(m in marked for m in members) <= 1


def test_clustering_prefers_the_strongest_links_when_a_chain_conflicts() -> None:
    # a–b strong, b–c weak; a and c differ: c stays alone.
    edges = [Edge("a", "b", 0.99), Edge("b", "c", 0.96)]
    clusters = cluster("abc", edges, lambda x, y: {"a", "c"} <= set(x) | set(y))
    assert clusters == [["a", "b"], ["c"]]
