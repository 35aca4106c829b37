"""``resolve``: build or refresh golden records from every customer record loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from savile.gc_pause import cyclic_gc_paused
from savile.identity.crosswalk import publish_crosswalk
from savile.identity.features import load_records, match_features, to_match_table
from savile.identity.ids import assign_ids
from savile.identity.identifiers import rebuild_identifiers
from savile.identity.linkage import LinkageBackend
from savile.identity.matching import Evidence, Matching, match_records
from savile.identity.survivorship import survive
from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import customer_links, customers, identity_history, steward_rules

RecordKey = tuple[str, str]  # (source, source_customer_id)


@dataclass
class ResolveSummary:
    records: int
    customers: int
    created: int
    merged: int
    split: int
    joined: int


def resolve(store: SqlStore, analytics: DuckDBAnalyticalStore | None, trust: Sequence[str], actor: str = "savile resolve",
            backend: LinkageBackend = LinkageBackend()) -> ResolveSummary:
    with cyclic_gc_paused():  # the collector's passes over every record were a sixth of a resolve at 100k records
        return _resolve(store, analytics, trust, actor, backend)


def _resolve(store: SqlStore, analytics: DuckDBAnalyticalStore | None, trust: Sequence[str], actor: str,
             backend: LinkageBackend) -> ResolveSummary:
    raw_records = load_records(store)
    records = to_match_table([match_features(row) for row in raw_records])
    key_of = {row["unique_id"]: (row["source"], row["source_customer_id"]) for row in records.select(["unique_id", "source", "source_customer_id"]).to_pylist()}
    id_of = {key: uid for uid, key in key_of.items()}
    must_link, keep_apart = _steward_pairs(store, id_of)
    matching = match_records(records, must_link, keep_apart, backend=backend)
    now = datetime.now(timezone.utc)
    with store.begin() as connection:
        previous = {(r.source, r.source_customer_id): r.customer_id for r in connection.execute(sa.select(customer_links))}
        clusters = [[key_of[uid] for uid in members] for members in matching.clusters]
        assignment = assign_ids(clusters, previous)
        raw = {(r["source"], r["source_customer_id"]): r for r in raw_records}
        _save_customers(connection, clusters, assignment.ids, raw, trust, now)
        for old, into in assignment.merged.items():
            connection.execute(sa.update(customers).where(customers.c.customer_id == old)
                               .values(status="merged", merged_into=into, updated_at=now))
        _save_links(connection, clusters, assignment.ids, matching, key_of, previous, now)
        if assignment.changes:
            connection.execute(sa.insert(identity_history), [
                {"occurred_at": now, "kind": change.kind, "customer_id": change.customer_id,
                 "other_customer_id": change.other_customer_id, "records": [list(k) for k in change.records],
                 "evidence": None, "reason": None, "actor": actor}
                for change in assignment.changes
            ])
        rebuild_identifiers(connection, analytics, now)
        if analytics is not None:
            publish_crosswalk(connection, analytics)
    store.refresh_statistics()
    kinds = [change.kind for change in assignment.changes]
    return ResolveSummary(len(key_of), len(clusters), kinds.count("created"), kinds.count("merged"), kinds.count("split"),
                          kinds.count("joined"))


def _steward_pairs(store: SqlStore, id_of: dict[RecordKey, int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    must, apart = [], []
    with store.begin() as connection:
        for rule in connection.execute(sa.select(steward_rules).order_by(steward_rules.c.rule_id)):
            left = id_of.get((rule.left_source, rule.left_source_customer_id))
            right = id_of.get((rule.right_source, rule.right_source_customer_id))
            if left is None or right is None:
                continue
            (must if rule.kind == "must_link" else apart).append((left, right))
    return must, apart


def _save_customers(connection: sa.Connection, clusters: list[list[RecordKey]], ids: list[str],
                    raw: dict[RecordKey, dict[str, Any]], trust: Sequence[str], now: datetime) -> None:
    existing = set(connection.execute(sa.select(customers.c.customer_id)).scalars())
    inserts, updates = [], []
    for members, customer_id in zip(clusters, ids, strict=True):
        values, lineage = survive([raw[key] for key in members], trust)
        row = {**values, "customer_id": customer_id, "status": "active", "merged_into": None, "lineage": lineage,
               "record_count": len(members), "updated_at": now}
        if customer_id in existing:
            updates.append({**row, "key_customer_id": customer_id})
        else:
            inserts.append({**row, "created_at": now})
    if inserts:
        connection.execute(sa.insert(customers), inserts)
    if updates:
        columns = {name: sa.bindparam(name) for name in updates[0] if name not in ("key_customer_id", "customer_id")}
        connection.execute(sa.update(customers).where(customers.c.customer_id == sa.bindparam("key_customer_id")).values(columns), updates)


def _save_links(connection: sa.Connection, clusters: list[list[RecordKey]], ids: list[str], matching: Matching,
                key_of: dict[int, RecordKey], previous: dict[RecordKey, str], now: datetime) -> None:
    best = _best_evidence(matching, key_of)
    rows = []
    for members, customer_id in zip(clusters, ids, strict=True):
        for key in members:
            evidence, other = best.get(key, (Evidence("single", 1.0, "no other record matched"), None))
            rows.append({"source": key[0], "source_customer_id": key[1], "customer_id": customer_id,
                         "method": evidence.method, "probability": evidence.probability,
                         "evidence": {"detail": evidence.detail, "linked_to": list(other) if other else None},
                         "linked_at": now})
    changed = [row for row in rows if previous.get((row["source"], row["source_customer_id"])) != row["customer_id"]]
    unchanged_keys = {(row["source"], row["source_customer_id"]) for row in rows} - {(r["source"], r["source_customer_id"]) for r in changed}
    if changed:
        keys = [(row["source"], row["source_customer_id"]) for row in changed]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            connection.execute(sa.delete(customer_links).where(sa.tuple_(customer_links.c.source, customer_links.c.source_customer_id).in_(chunk)))
        connection.execute(sa.insert(customer_links), changed)
    # Evidence may improve for records that stayed put; refresh it without touching linked_at.
    refresh = [{**row, "k_source": row["source"], "k_id": row["source_customer_id"]} for row in rows
               if (row["source"], row["source_customer_id"]) in unchanged_keys]
    if refresh:
        connection.execute(
            sa.update(customer_links)
            .where(customer_links.c.source == sa.bindparam("k_source"), customer_links.c.source_customer_id == sa.bindparam("k_id"))
            .values(method=sa.bindparam("method"), probability=sa.bindparam("probability"), evidence=sa.bindparam("evidence")),
            refresh,
        )


def _best_evidence(matching: Matching, key_of: dict[int, RecordKey]) -> dict[RecordKey, tuple[Evidence, RecordKey]]:
    best: dict[RecordKey, tuple[Evidence, RecordKey]] = {}
    cluster_of = {uid: index for index, members in enumerate(matching.clusters) for uid in members}
    for pair, evidence in matching.evidence.items():
        left, right = sorted(pair)
        if cluster_of[left] != cluster_of[right]:
            continue  # an edge the clustering refused
        for one, other in ((left, right), (right, left)):
            current = best.get(key_of[one])
            if current is None or evidence.probability > current[0].probability:
                best[key_of[one]] = (evidence, key_of[other])
    return best
