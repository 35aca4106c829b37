"""Real-time identity: link an event or a new customer record without re-running the batch.

Events are linked by the first identifier that names exactly one customer: the source's own
customer id, then a device, an email, a phone. A device first seen anonymously is stitched to
its customer as soon as it appears beside a known id, and its earlier events follow.

A new customer record joins an existing customer when a deterministic rule holds with one of
that customer's records (same national id; same email and birth date; same email or phone and
surname) and neither the household guard nor a data steward's keep-apart rule objects to any
of them. A record with nothing but a name joins the one customer of that name, as the batch
does (the namesakes are found by the surname's phonetic key among the identifiers). Otherwise it starts a new customer. The next batch
resolve reconsiders it with the full probabilistic model, and records any merge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, NamedTuple

import sqlalchemy as sa

from savile.exceptions import NotFoundError
from savile.identity._queries import records_of_each
from savile.identity.contacts import email_key
from savile.identity.features import match_features
from savile.identity.guard import veto
from savile.identity.matching import name_only, same_name
from savile.identity.ids import new_customer_id
from savile.identity.steward import refresh_golden
from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import customer_links, customer_records, customers, identifiers, identity_history, steward_rules

RULES = {
    "same national id": lambda a, b: a["national_id"] and a["national_id"] == b["national_id"],
    "same email and birth date": lambda a, b: a["email_key"] and a["email_key"] == b["email_key"] and a["birth_date"]
    and a["birth_date"] == b["birth_date"],
    "same email and surname": lambda a, b: a["email_key"] and a["email_key"] == b["email_key"] and a["last_key"]
    and a["last_key"] == b["last_key"],
    "same phone and surname": lambda a, b: a["phone"] and a["phone"] == b["phone"] and a["last_key"] and a["last_key"] == b["last_key"],
}


class Match(NamedTuple):
    customer_id: str | None
    linked_by: str | None  # source_id, device, email, phone, a rule name, or "new"


def match_event(connection: sa.Connection, event: Mapping[str, Any]) -> Match:
    """The customer an interaction belongs to, or Match(None, None) when no identifier is unique."""
    if event.get("source") and event.get("source_customer_id"):
        found = connection.execute(sa.select(customer_links.c.customer_id).where(
            customer_links.c.source == event["source"], customer_links.c.source_customer_id == event["source_customer_id"])).scalar()
        if found:
            return Match(found, "source_id")
    for kind, value in (("device", event.get("device_id")), ("email", email_key(event.get("email"))), ("phone", event.get("phone"))):
        if value:
            owners = connection.execute(sa.select(identifiers.c.customer_id).where(
                identifiers.c.kind == kind, identifiers.c.value == value).limit(2)).scalars().all()
            if len(owners) == 1:
                return Match(owners[0], kind)
    return Match(None, None)


def link_event(store: SqlStore, analytics: DuckDBAnalyticalStore | None, event: Mapping[str, Any]) -> Match:
    """Match an event and, when it shows a device beside a known customer, stitch the device."""
    with store.begin() as connection:
        found = match_event(connection, event)
        device = event.get("device_id")
        if found.customer_id and found.linked_by != "device" and device:
            stitch_device(connection, analytics, device, found.customer_id)
    return found


def stitch_device(connection: sa.Connection, analytics: DuckDBAnalyticalStore | None, device_id: str, customer_id: str) -> bool:
    """Record that ``device_id`` is ``customer_id``'s; returns False if it was known already."""
    known = connection.execute(sa.select(identifiers.c.customer_id).where(
        identifiers.c.kind == "device", identifiers.c.value == device_id, identifiers.c.customer_id == customer_id)).first()
    if known:
        return False
    connection.execute(sa.insert(identifiers).values(kind="device", value=device_id, customer_id=customer_id,
                                                     seen_at=datetime.now(timezone.utc)))
    if analytics is not None and "identifier_map" in {row[0] for row in analytics.run("SHOW TABLES")}:
        # The analytical view attributes the device's earlier anonymous events from now on.
        analytics.run("INSERT INTO identifier_map VALUES ('device', ?, ?)", [device_id, customer_id])
    return True


NAMESAKE_BATCH = 200  # customers of one surname whose records are read at once


def link_new_record(store: SqlStore, source: str, source_customer_id: str, trust: Sequence[str], actor: str = "realtime") -> Match:
    """Give a freshly ingested customer record its golden customer, now."""
    now = datetime.now(timezone.utc)
    with store.begin() as connection:
        linked = connection.execute(sa.select(customer_links.c.customer_id).where(
            customer_links.c.source == source, customer_links.c.source_customer_id == source_customer_id)).scalar()
        if linked:
            return Match(linked, "already linked")
        row = connection.execute(sa.select(customer_records).where(
            customer_records.c.source == source, customer_records.c.source_customer_id == source_customer_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"No customer record {source}:{source_customer_id}. Ingest it first.")
        record = match_features(dict(row))
        apart = _kept_apart_from(connection, (source, source_customer_id))
        customer_id, rule = _best_candidate(connection, record, apart)
        if customer_id is None and name_only(record):
            customer_id, rule = _only_namesake(connection, record, apart)
        if customer_id is None:
            customer_id, rule = new_customer_id(), "new"
            connection.execute(sa.insert(customers).values(customer_id=customer_id, status="active", record_count=1,
                                                           created_at=now, updated_at=now))
        connection.execute(sa.insert(customer_links).values(
            source=source, source_customer_id=source_customer_id, customer_id=customer_id,
            method="deterministic" if rule != "new" else "single", probability=1.0, evidence={"detail": rule, "linked_to": None},
            linked_at=now))
        refresh_golden(connection, customer_id, trust, now)
        _add_identifiers(connection, record, customer_id, now)
        connection.execute(sa.insert(identity_history).values(
            occurred_at=now, kind="created" if rule == "new" else "joined", customer_id=customer_id,
            records=[[source, source_customer_id]], evidence={"detail": rule}, actor=actor))
    return Match(customer_id, rule)


def _kept_apart_from(connection: sa.Connection, key: tuple[str, str]) -> set[tuple[str, str]]:
    """Records a data steward said are not this record's person (the batch honours the same rules)."""
    rules = connection.execute(sa.select(steward_rules).where(steward_rules.c.kind == "keep_apart", sa.or_(
        sa.and_(steward_rules.c.left_source == key[0], steward_rules.c.left_source_customer_id == key[1]),
        sa.and_(steward_rules.c.right_source == key[0], steward_rules.c.right_source_customer_id == key[1]))))
    return {pair for rule in rules for pair in ((rule.left_source, rule.left_source_customer_id),
                                                (rule.right_source, rule.right_source_customer_id)) if pair != key}


def _steward_forbids(rows: list[dict[str, Any]], apart: set[tuple[str, str]]) -> bool:
    return any((row["source"], row["source_customer_id"]) in apart for row in rows)


def _best_candidate(connection: sa.Connection, record: dict[str, Any], apart: set[tuple[str, str]]) -> tuple[str | None, str | None]:
    values = [("email", record["email_key"]), ("phone", record["phone"]), ("national_id", record["national_id"])]
    if not any(value for _, value in values):
        return None, None
    wanted = sa.or_(*(sa.and_(identifiers.c.kind == kind, identifiers.c.value == value) for kind, value in values if value))
    candidates = connection.execute(sa.select(identifiers.c.customer_id).where(wanted).distinct()).scalars().all()
    accepted: list[tuple[int, str, str]] = []
    for customer_id, rows in records_of_each(connection, list(candidates)).items():
        others = [match_features(row) for row in rows]
        if _steward_forbids(rows, apart) or any(veto(record, other) for other in others):
            continue
        hits = [name for name, rule in RULES.items() for other in others if rule(record, other)]
        if hits:
            accepted.append((len(hits), customer_id, hits[0]))
    if len(accepted) == 1 or (len(accepted) > 1 and sorted(accepted)[-1][0] > sorted(accepted)[-2][0]):
        _, customer_id, rule = sorted(accepted)[-1]
        return customer_id, rule
    return None, None  # nobody, or a tie between customers: do not guess


def _only_namesake(connection: sa.Connection, record: dict[str, Any], apart: set[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The one customer with this record's name, when exactly one has it, is known by more than
    a name, and the guard vetoes none of their records (the batch's rule, in docs/identity.md)."""
    if not record["first_key"] or not record["last_key"]:
        return None, None
    candidates = sorted(connection.execute(sa.select(identifiers.c.customer_id).where(
        identifiers.c.kind == "surname", identifiers.c.value == record["last_key"]).distinct()).scalars().all())
    namesakes: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = []
    # A common surname has thousands of customers; their records are read a batch at a time, and
    # reading stops at the second namesake (a common name is decided in the first batch or two).
    for start in range(0, len(candidates), NAMESAKE_BATCH):
        for customer_id, rows in sorted(records_of_each(connection, candidates[start : start + NAMESAKE_BATCH]).items()):
            others = [match_features(row) for row in rows]
            if any(same_name(record, other) for other in others):
                namesakes.append((customer_id, rows, others))
        if len(namesakes) > 1:
            break  # two already: nobody is guessed
    if len(namesakes) != 1:
        return None, None
    customer_id, rows, others = namesakes[0]
    if all(name_only(other) for other in others) or any(veto(record, other) for other in others) or _steward_forbids(rows, apart):
        return None, None
    return customer_id, "the only customer with this name"


def _add_identifiers(connection: sa.Connection, record: dict[str, Any], customer_id: str, now: datetime) -> None:
    for kind, value in (("email", record["email_key"]), ("phone", record["phone"]), ("national_id", record["national_id"]),
                        ("surname", record["last_key"])):
        if value and not connection.execute(sa.select(identifiers.c.kind).where(
                identifiers.c.kind == kind, identifiers.c.value == value, identifiers.c.customer_id == customer_id)).first():
            connection.execute(sa.insert(identifiers).values(kind=kind, value=value, customer_id=customer_id, seen_at=now))
