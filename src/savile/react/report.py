"""What the real-time path did, for the CLI and the demo."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from savile.store import SqlStore
from savile.store.tables import deliveries, events_received


def ledger_summary(store: SqlStore) -> dict[str, Any]:
    failed = events_received.c.outcome["error"].isnot(None) if store.dialect == "postgresql" else \
        sa.func.json_extract(events_received.c.outcome, "$.error").isnot(None)
    with store.begin() as connection:
        waiting = connection.execute(sa.select(sa.func.count()).where(events_received.c.processed_at.is_(None))).scalar_one()
        done = connection.execute(sa.select(sa.func.count()).where(events_received.c.processed_at.isnot(None))).scalar_one()
        errors = connection.execute(sa.select(sa.func.count()).where(events_received.c.processed_at.isnot(None), failed)).scalar_one()
        by_status = connection.execute(sa.select(deliveries.c.channel, deliveries.c.status, sa.func.count()).group_by(
            deliveries.c.channel, deliveries.c.status).order_by(deliveries.c.channel, deliveries.c.status)).all()
    return {"events": {"waiting": waiting, "processed": done - errors, "failed": errors}, "deliveries": [tuple(r) for r in by_status]}
