"""Data steward controls: merge two customers, split a record out. Audited, and kept by later runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa

from savile.exceptions import ContractError, NotFoundError
from savile.identity.ids import new_customer_id
from savile.identity.survivorship import survive
from savile.store import SqlStore
from savile.identity._queries import records_of
from savile.store.tables import customer_links, customers, identity_history, steward_rules


def merge_customers(store: SqlStore, keep: str, other: str, reason: str, actor: str, trust: Sequence[str]) -> None:
    """Merge ``other`` into ``keep`` now, and make every later resolve keep them together."""
    if keep == other:
        raise ContractError(f"Cannot merge customer {keep} with itself. Pass two different customer ids.")
    _require_reason(reason)
    now = datetime.now(timezone.utc)
    with store.begin() as connection:
        keep_records, other_records = _records_of(connection, keep), _records_of(connection, other)
        connection.execute(sa.insert(steward_rules).values(
            kind="must_link", left_source=keep_records[0][0], left_source_customer_id=keep_records[0][1],
            right_source=other_records[0][0], right_source_customer_id=other_records[0][1], reason=reason, actor=actor,
            created_at=now))
        connection.execute(sa.update(customer_links).where(customer_links.c.customer_id == other).values(
            customer_id=keep, method="steward", probability=1.0, evidence={"detail": f"merged by a data steward: {reason}"},
            linked_at=now))
        connection.execute(sa.update(customers).where(customers.c.customer_id == other).values(
            status="merged", merged_into=keep, updated_at=now))
        refresh_golden(connection, keep, trust, now)
        _history(connection, now, "steward_merge", keep, other, other_records, reason, actor)


def split_record(store: SqlStore, customer_id: str, record: tuple[str, str], reason: str, actor: str,
                 trust: Sequence[str]) -> str:
    """Move one source record out of ``customer_id`` into a new customer; later resolves keep it apart."""
    _require_reason(reason)
    now = datetime.now(timezone.utc)
    with store.begin() as connection:
        records = _records_of(connection, customer_id)
        if record not in records:
            raise NotFoundError(f"Record {record[0]}:{record[1]} is not linked to customer {customer_id}. "
                                f"See its records with: savile customer show {customer_id}")
        if len(records) == 1:
            raise ContractError(f"Customer {customer_id} has only that record; there is nothing to split it from.")
        connection.execute(sa.insert(steward_rules), [
            {"kind": "keep_apart", "left_source": record[0], "left_source_customer_id": record[1], "right_source": other[0],
             "right_source_customer_id": other[1], "reason": reason, "actor": actor, "created_at": now}
            for other in records if other != record
        ])
        new_id = new_customer_id()
        connection.execute(sa.update(customer_links).where(
            customer_links.c.source == record[0], customer_links.c.source_customer_id == record[1]).values(
            customer_id=new_id, method="steward", probability=1.0, evidence={"detail": f"split by a data steward: {reason}"},
            linked_at=now))
        connection.execute(sa.insert(customers).values(customer_id=new_id, status="active", record_count=1, created_at=now,
                                                       updated_at=now))
        refresh_golden(connection, new_id, trust, now)
        refresh_golden(connection, customer_id, trust, now)
        _history(connection, now, "steward_split", new_id, customer_id, [record], reason, actor)
    return new_id


def refresh_golden(connection: sa.Connection, customer_id: str, trust: Sequence[str], now: datetime) -> None:
    rows = records_of(connection, customer_id)
    values, lineage = survive(rows, trust)
    connection.execute(sa.update(customers).where(customers.c.customer_id == customer_id).values(
        **values, lineage=lineage, record_count=len(rows), updated_at=now))


def _records_of(connection: sa.Connection, customer_id: str) -> list[tuple[str, str]]:
    status = connection.execute(sa.select(customers.c.status).where(customers.c.customer_id == customer_id)).scalar()
    if status is None:
        raise NotFoundError(f"No customer {customer_id}. Find ids with: savile export identities --out FILE.csv")
    if status != "active":
        raise ContractError(f"Customer {customer_id} is {status}; act on the customer it was merged into.")
    rows = connection.execute(sa.select(customer_links.c.source, customer_links.c.source_customer_id)
                              .where(customer_links.c.customer_id == customer_id)
                              .order_by(customer_links.c.source, customer_links.c.source_customer_id)).all()
    return [(row.source, row.source_customer_id) for row in rows]


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ContractError("A steward decision needs a reason (--reason \"...\"): it goes into the audit trail.")


def _history(connection: sa.Connection, now: datetime, kind: str, customer_id: str, other: str,
             records: list[tuple[str, str]], reason: str, actor: str) -> None:
    connection.execute(sa.insert(identity_history).values(
        occurred_at=now, kind=kind, customer_id=customer_id, other_customer_id=other, records=[list(r) for r in records],
        evidence=None, reason=reason, actor=actor))
