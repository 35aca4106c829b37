"""The outbox: a delivery is written in the transaction of the decision that caused it, and sent
afterwards by the dispatcher. Its id comes from its cause, so a cause can make it only once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from savile.decide.log import dialect_insert
from savile.store.tables import deliveries


def enqueue(connection: sa.Connection, *, delivery_id: str, customer_id: str, channel: str, address: str | None, action_id: str | None,
            decision_id: str | None, trigger_id: str | None, marketing: bool, content: dict[str, Any], now: datetime,
            expires_at: datetime | None, during_quiet_hours: bool = False) -> bool:
    """Add a delivery; False when its cause already made one. ``during_quiet_hours``: a service message
    that goes out at once even at night (marketing never does)."""
    if expires_at is not None:
        content = {**content, "expires_at": expires_at.isoformat()}
    if during_quiet_hours and not marketing:
        content = {**content, "during_quiet_hours": True}
    statement = dialect_insert(connection)(deliveries).values(
        delivery_id=delivery_id, created_at=now, customer_id=customer_id, channel=channel, address=address, action_id=action_id,
        decision_id=decision_id, trigger_id=trigger_id, marketing=marketing, content=content, status="pending", attempts=0,
        not_before=now).on_conflict_do_nothing(index_elements=["delivery_id"])
    return connection.execute(statement).rowcount == 1
