"""Identifiers that point to a golden customer: emails, phones, national ids, devices, and the
phonetic key of each surname.

Rebuilt after each resolve; the real-time path reads them to link an event that carries only
an email, a phone or a device id, and to find the namesakes of a new record that has only a name.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from savile.identity._queries import RECORD_LINK
from savile.identity.contacts import email_key
from savile.identity.names import phonetic_key
from savile.store import DuckDBAnalyticalStore
from savile.store.tables import customer_links, customer_records, identifiers


def rebuild_identifiers(connection: sa.Connection, analytics: DuckDBAnalyticalStore | None, now: datetime) -> int:
    linked = sa.select(customer_links.c.customer_id, customer_records.c.email, customer_records.c.phone,
                       customer_records.c.national_id, customer_records.c.last_name).join(customer_records, RECORD_LINK)
    found: set[tuple[str, str, str]] = set()
    for row in connection.execute(linked):
        if row.email and email_key(row.email):
            found.add(("email", email_key(row.email), row.customer_id))
        if row.phone:
            found.add(("phone", row.phone, row.customer_id))
        if row.national_id:
            found.add(("national_id", row.national_id.strip().upper(), row.customer_id))
        if row.last_name and phonetic_key(row.last_name):
            found.add(("surname", phonetic_key(row.last_name), row.customer_id))
    if analytics is not None:
        found |= _devices(connection, analytics)
    connection.execute(sa.delete(identifiers))
    rows = [{"kind": kind, "value": value, "customer_id": customer_id, "seen_at": now} for kind, value, customer_id in sorted(found)]
    for start in range(0, len(rows), 5_000):
        connection.execute(sa.insert(identifiers), rows[start : start + 5_000])
    return len(rows)


def _devices(connection: sa.Connection, analytics: DuckDBAnalyticalStore) -> set[tuple[str, str, str]]:
    """A device seen with a known customer id belongs to that customer (device stitching)."""
    pairs = analytics.run(
        "SELECT DISTINCT device_id, source, source_customer_id FROM interactions "
        "WHERE device_id IS NOT NULL AND source IS NOT NULL AND source_customer_id IS NOT NULL"
    )
    links = {(r.source, r.source_customer_id): r.customer_id for r in connection.execute(sa.select(customer_links))}
    return {("device", str(device), links[(str(source), str(sid))]) for device, source, sid in pairs if (source, sid) in links}
