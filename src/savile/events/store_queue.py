"""The in-process queue: events wait in the operational store's ledger until a worker takes them.

It is durable (a restart loses nothing), needs no server, and is the same table the worker
uses to skip events it has processed, whichever broker delivered them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from savile.decide.log import dialect_insert
from savile.store import SqlStore
from savile.store.tables import events_received


class StoreQueue:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def put(self, events: list[dict[str, Any]], keys: list[str]) -> int:
        """Queue events (an id seen before is ignored); returns how many were new."""
        now = datetime.now(timezone.utc)
        rows = [{"event_id": key, "event_table": event.get("table", "interactions"), "payload": event, "received_at": now}
                for key, event in zip(keys, events, strict=True)]
        if not rows:
            return 0
        with self.store.begin() as connection:
            return add_to_ledger(connection, rows)

    def waiting(self, limit: int = 500) -> list[dict[str, Any]]:
        with self.store.begin() as connection:
            return list(connection.execute(sa.select(events_received.c.payload).where(events_received.c.processed_at.is_(None))
                                           .order_by(events_received.c.sequence).limit(limit)).scalars())

    def backlog(self) -> int:
        with self.store.begin() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(events_received).where(
                events_received.c.processed_at.is_(None))).scalar_one()



def add_to_ledger(connection: sa.Connection, rows: list[dict[str, Any]]) -> int:
    """Insert ledger rows whose event id is new; returns how many were (counted from what came back,
    as in ``insert_responses``: drivers' executemany row counts differ)."""
    statement = dialect_insert(connection)(events_received).on_conflict_do_nothing(index_elements=["event_id"]).returning(
        events_received.c.sequence)
    return len(connection.execute(statement, rows).all())
