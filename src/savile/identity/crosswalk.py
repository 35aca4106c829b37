"""Attribution through the crosswalk: everything a bank loaded, resolved to golden customers.

The operational store answers for one customer (the agent view, the decision API); the
analytical store gets the maps as tables so features join history to customers in DuckDB.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from savile.identity._queries import linked_on
from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import consents, customer_links, holdings, identifiers


def publish_crosswalk(connection: sa.Connection, analytics: DuckDBAnalyticalStore) -> None:
    """Write ``customer_map``, ``account_map`` and ``identifier_map`` into DuckDB, and the view
    ``interactions_resolved``: each event's customer by its source id, else device, email, phone."""
    links = connection.execute(sa.select(customer_links.c.source, customer_links.c.source_customer_id, customer_links.c.customer_id)).all()
    accounts = connection.execute(sa.select(holdings.c.account_id, customer_links.c.customer_id)
                                  .join(customer_links, linked_on(holdings))).all()
    known = connection.execute(sa.select(identifiers.c.kind, identifiers.c.value, identifiers.c.customer_id)).all()
    tables = {
        "customer_map": pa.table({"source": [r[0] for r in links], "source_customer_id": [r[1] for r in links],
                                  "customer_id": [r[2] for r in links]}),
        "account_map": pa.table({"account_id": [r[0] for r in accounts], "customer_id": [r[1] for r in accounts]}),
        # An identifier shared by several customers (a family mailbox) attributes nothing.
        "identifier_map": pa.table({"kind": [r[0] for r in known], "value": [r[1] for r in known],
                                    "customer_id": [r[2] for r in known]}),
    }
    for name, table in tables.items():
        analytics.replace_table(name, table)
    analytics.run("""
        CREATE OR REPLACE VIEW interactions_resolved AS
        WITH unique_identifiers AS (
            SELECT kind, value, any_value(customer_id) AS customer_id FROM identifier_map
            GROUP BY kind, value HAVING count(DISTINCT customer_id) = 1
        )
        SELECT i.*, COALESCE(c.customer_id, d.customer_id, e.customer_id, p.customer_id) AS customer_id,
               CASE WHEN c.customer_id IS NOT NULL THEN 'source_id' WHEN d.customer_id IS NOT NULL THEN 'device'
                    WHEN e.customer_id IS NOT NULL THEN 'email' WHEN p.customer_id IS NOT NULL THEN 'phone' END AS linked_by
        FROM interactions i
        LEFT JOIN customer_map c ON c.source = i.source AND c.source_customer_id = i.source_customer_id
        LEFT JOIN unique_identifiers d ON d.kind = 'device' AND d.value = i.device_id
        LEFT JOIN unique_identifiers e ON e.kind = 'email' AND e.value = lower(trim(i.email))
        LEFT JOIN unique_identifiers p ON p.kind = 'phone' AND p.value = i.phone
    """)


def consents_in_force(connection: sa.Connection, customer_id: str) -> list[dict[str, Any]]:
    """Per (purpose, channel), the newest consent record from any of the customer's sources."""
    rows = connection.execute(sa.select(consents).join(customer_links, linked_on(consents))
                              .where(customer_links.c.customer_id == customer_id)).mappings().all()
    newest: dict[tuple[str, str | None], Any] = {}
    for row in rows:
        key = (row["purpose"], row["channel"])
        if key not in newest or (row["recorded_at"], row["source"]) > (newest[key]["recorded_at"], newest[key]["source"]):
            newest[key] = row
    return [{"purpose": r["purpose"], "channel": r["channel"], "granted": r["granted"], "recorded_at": r["recorded_at"],
             "source": r["source"], "source_customer_id": r["source_customer_id"]}
            for _, r in sorted(newest.items(), key=lambda item: (item[0][0], item[0][1] or ""))]


def export_identities(store: SqlStore, out: Path) -> int:
    """The contract's identities file: ``source,source_customer_id,customer_id`` for every record."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with store.begin() as connection, out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "source_customer_id", "customer_id"])
        count = 0
        query = sa.select(customer_links.c.source, customer_links.c.source_customer_id, customer_links.c.customer_id).order_by(
            customer_links.c.source, customer_links.c.source_customer_id)
        for row in connection.execute(query):
            writer.writerow(row)
            count += 1
    return count
