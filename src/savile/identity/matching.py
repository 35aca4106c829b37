"""From customer records to clusters of records that are one person, with the evidence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from savile.identity.clustering import Edge, cluster
from savile.identity.guard import first_name_keys, first_names_differ, sets_conflict, veto
from savile.identity.linkage import MATCH_THRESHOLD, LinkageBackend, predict_edges

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
                  threshold: float = MATCH_THRESHOLD, backend: LinkageBackend = LinkageBackend()) -> Matching:
    """Cluster ``records`` (see ``features.MATCH_COLUMNS``) into people.

    Steward decisions win over the model: ``must_link`` pairs are joined, ``keep_apart`` pairs
    never end in one cluster.
    """
    by_id = {row["unique_id"]: row for row in records.to_pylist()}
    candidates: dict[frozenset[int], Evidence] = {}
    if records.num_rows > 1:
        model = predict_edges(records, threshold, backend=backend)
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
    _join_name_only_records(matching, by_id, apart)
    return matching


IDENTIFYING = ("birth_date", "email_key", "phone", "national_id", "postcode_key", "address_key")
CONTACTS = ("email_key", "phone")


def _join_name_only_records(matching: Matching, by_id: dict[int, dict[str, Any]], apart: set[frozenset[int]]) -> None:
    """A record that carries nothing but a name (a channel sign-up with no contact details) joins
    the one customer of that name, when exactly one has it: a channel's users are the bank's
    customers, so the only namesake is that person. An email or phone that no other record has
    says nothing about who that is, so such a record counts as a name alone. With two
    namesakes, or another name-only record of that name, nothing is joined: a wrong merge would
    show one person another's data."""
    seen = Counter((field, record[field]) for record in by_id.values() for field in CONTACTS if record[field])
    index = {uid: number for number, members in enumerate(matching.clusters) for uid in members}
    # A common surname has thousands of customers: comparing each name-only record with every one
    # of them made this step quadratic (over ten minutes at 1M records). ``same_name`` reads only
    # names, so distinct names are compared, and only with the names an index of
    # ``first_name_keys`` finds for them (a superset of their matches).
    names: dict[tuple[Any, ...], list[Any]] = {}  # name → [a record of it, its clusters]
    for uid, record in by_id.items():
        if record["last_key"] and record["first_key"]:
            names.setdefault(name_of(record), [record, set()])[1].add(index[uid])
    by_key: dict[tuple[str, tuple[str, str] | None], list[tuple[Any, ...]]] = {}  # (surname, key or None) → names
    of_surname: dict[str, list[tuple[Any, ...]]] = {}
    for name, (example, _) in names.items():
        of_surname.setdefault(example["last_key"], []).append(name)
        for key in first_name_keys(example) or {None}:
            by_key.setdefault((example["last_key"], key), []).append(name)
    namesakes_of: dict[tuple[Any, ...], set[int]] = {}  # name → clusters with a record of the same name
    joins: list[tuple[int, int, int]] = []  # (record, cluster, namesake in it)
    for uid in sorted(by_id):
        record = by_id[uid]
        if len(matching.clusters[index[uid]]) > 1 or not name_only(record, seen) or not record["first_key"]:
            continue
        name = name_of(record)
        if name not in namesakes_of:
            keys = first_name_keys(record)
            candidates = ({n for key in keys | {None} for n in by_key.get((record["last_key"], key), ())} if keys is not None
                          else of_surname.get(record["last_key"], []))
            namesakes_of[name] = {number for other in candidates if same_name(record, names[other][0]) for number in names[other][1]}
        namesakes = sorted(namesakes_of[name] - {index[uid]})
        if len(namesakes) != 1:
            continue
        number = namesakes[0]
        if may_join(matching, by_id, record, number, apart):
            joins.append((uid, number, next(m for m in matching.clusters[number] if same_name(record, by_id[m]))))
    apply_joins(matching, index, joins)


def may_join(matching: Matching, by_id: dict[int, dict[str, Any]], record: dict[str, Any], number: int,
             apart: set[frozenset[int]]) -> bool:
    """Whether a name-only record may join cluster ``number``, its only namesake's."""
    members = [by_id[m] for m in matching.clusters[number]]
    if all(name_only(member) for member in members):
        return False  # only another name-only record: nothing says who either is
    return not sets_conflict([record], members, apart)


def apply_joins(matching: Matching, index: dict[int, int], joins: list[tuple[int, int, int]]) -> None:
    """Move each (record, cluster, namesake in it) join's record into that cluster, with its evidence."""
    for uid, number, other in joins:
        matching.evidence[frozenset((uid, other))] = Evidence("deterministic", 1.0, "the only customer with this name")
        matching.clusters[number].append(uid)
        matching.clusters[index[uid]].remove(uid)
    matching.clusters = [sorted(members) for members in matching.clusters if members]


def name_only(record: dict[str, Any], contacts_seen: Counter[tuple[str, Any]] | None = None) -> bool:
    """Nothing but a name; with ``contacts_seen``, contact details that no other record shares
    count as nothing too."""
    for field in IDENTIFYING:
        value = record.get(field)
        if value and not (field in CONTACTS and contacts_seen is not None and contacts_seen[(field, value)] <= 1):
            return False
    return True


NAME_FIELDS = ("last_key", "first_key", "first_latin", "first_forms", "first_initial", "first_is_initial", "first_abjad")


def name_of(record: dict[str, Any]) -> tuple[Any, ...]:
    """Everything ``same_name`` reads of a record: two records with equal names compare alike."""
    return tuple(tuple(value) if isinstance(value, list) else value for value in (record[field] for field in NAME_FIELDS))


def same_name(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["last_key"] == b["last_key"] and bool(b["first_key"]) and not b["first_is_initial"]
            and not first_names_differ(a, b))


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
