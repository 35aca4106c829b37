"""Queries several identity modules share."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from savile.store.tables import customer_links, customer_records

# A customer record and its row in the crosswalk.
RECORD_LINK = sa.and_(
    customer_links.c.source == customer_records.c.source,
    customer_links.c.source_customer_id == customer_records.c.source_customer_id,
)


def linked_on(table: sa.Table) -> sa.ColumnElement[bool]:
    """Join condition from any table keyed by (source, source_customer_id) to the crosswalk."""
    return sa.and_(customer_links.c.source == table.c.source, customer_links.c.source_customer_id == table.c.source_customer_id)


def records_of(connection: sa.Connection, customer_id: str) -> list[dict[str, Any]]:
    """Every source record linked to ``customer_id``."""
    return records_of_each(connection, [customer_id]).get(customer_id, [])


def records_of_each(connection: sa.Connection, customer_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every source record linked to each of ``customer_ids``, in one query."""
    query = (sa.select(customer_links.c.customer_id.label("linked_customer_id"), customer_records)
             .join(customer_links, RECORD_LINK).where(customer_links.c.customer_id.in_(customer_ids)))
    out: dict[str, list[dict[str, Any]]] = {}
    for row in connection.execute(query).mappings():
        record = dict(row)
        out.setdefault(record.pop("linked_customer_id"), []).append(record)
    return out
