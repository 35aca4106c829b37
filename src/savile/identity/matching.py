"""From customer records to clusters of records that are one person, with the evidence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from savile.identity.clustering import Edge, cluster
from savile.identity.guard import sets_conflict, veto
from savile.identity.linkage import MATCH_THRESHOLD, predict_edges

# Deterministic evidence: identifiers strong enough to link on their own.
DETERMINISTIC = {
    "same national id": "a.national_id = b.national_id",
    "same email and birth date": "a.email_key = b.email_key AND a.birth_date = b.birth_date",
    # Shared family emails and landlines are common; the household guard rejects these pairs
    # when first names or birth dates differ.
    "same email and surname": "a.email_key = b.email_key AND a.last_key = b.last_key",
    "same phone and surname": "a.phone = b.phone AND a.last_key = b.last_key",
}


@dataclass
class Evidence:
    method: str  # splink, deterministic, steward
    probability: float
    detail: str = ""


@dataclass
class Matching:
    clusters: list[list[int]]
    evidence: dict[frozenset[int], Evidence] = field(default_factory=dict)  # accepted edges
    vetoed: dict[frozenset[int], str] = field(default_factory=dict)  # rejected edges and why


def match_records(records: pa.Table, must_link: Iterable[tuple[int, int]] = (), keep_apart: Iterable[tuple[int, int]] = (),
                  threshold: float = MATCH_THRESHOLD) -> Matching:
    """Cluster ``records`` (see ``features.MATCH_COLUMNS``) into people.

    Steward decisions win over the model: ``must_link`` pairs are joined, ``keep_apart`` pairs
    never end in one cluster.
    """
    by_id = {row["unique_id"]: row for row in records.to_pylist()}
    candidates: dict[frozenset[int], Evidence] = {}
    if records.num_rows > 1:
        model = predict_edges(records, threshold)
        for left, right, probability in zip(model.left, model.right, model.probability, strict=True):
            candidates[frozenset((left, right))] = Evidence("splink", probability)
    for pair, reason in _deterministic_pairs(records):
        candidates[pair] = Evidence("deterministic", 1.0, reason)
    apart = {frozenset(pair) for pair in keep_apart}
    matching = Matching([])
    edges: list[Edge[int]] = []
    for pair, evidence in candidates.items():
        left, right = sorted(pair)
        why = veto(by_id[left], by_id[right]) or ("kept apart by a data steward" if pair in apart else None)
        if why:
            matching.vetoed[pair] = why
            continue
        matching.evidence[pair] = evidence
        edges.append(Edge(left, right, evidence.probability))
    for left, right in must_link:
        pair = frozenset((left, right))
        matching.evidence[pair] = Evidence("steward", 1.0, "merged by a data steward")
        edges.append(Edge(left, right, 2.0))  # before any model edge

    def conflicts(a: list[int], b: list[int]) -> bool:
        linked = any(frozenset((x, y)) in matching.evidence and matching.evidence[frozenset((x, y))].method == "steward"
                     for x in a for y in b)
        return not linked and sets_conflict([by_id[x] for x in a], [by_id[y] for y in b], apart)

    matching.clusters = cluster(by_id, edges, conflicts)
    return matching


def _deterministic_pairs(records: pa.Table) -> list[tuple[frozenset[int], str]]:
    connection = duckdb.connect()
    try:
        connection.register("records", records)
        found = []
        for reason, condition in DETERMINISTIC.items():
            rows = connection.sql(
                f"SELECT a.unique_id, b.unique_id FROM records a JOIN records b ON {condition} AND a.unique_id < b.unique_id"
            ).fetchall()
            found += [(frozenset(row), reason) for row in rows]
        return found
    finally:
        connection.close()


def pairs_of(clusters: Iterable[Iterable[Any]]) -> set[frozenset[Any]]:
    """Every within-cluster pair, for pairwise precision and recall."""
    out: set[frozenset[Any]] = set()
    for members in clusters:
        members = list(members)
        out.update(frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :])
    return out
