"""What customers and agents read: the in-app inbox, the agents' queue and the delivery log."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Query

from savile.api.access import audit, may_read_customer, require
from savile.api.deps import CallerDep, StoreDep
from savile.deliver.dispatcher import INBOX
from savile.exceptions import NotFoundError
from savile.store.tables import deliveries

router = APIRouter(prefix="/v1", tags=["inbox"])
SHOWN = ("delivery_id", "created_at", "sent_at", "read_at", "action_id", "trigger_id", "decision_id")


@router.get("/customers/{customer_id}/inbox", operation_id="get_inbox")
def get_inbox(customer_id: str, caller: CallerDep, store: StoreDep, limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    """The customer's in-app messages, newest first, in their language and direction."""
    may_read_customer(caller, customer_id)
    with store.begin() as connection:
        rows = connection.execute(sa.select(deliveries).where(
            deliveries.c.customer_id == customer_id, deliveries.c.channel.in_([c for c in INBOX if c != "agent"]),
            deliveries.c.status == "sent").order_by(deliveries.c.sent_at.desc()).limit(limit)).mappings().all()
    audit(store, caller, "inbox.read", customer_id)
    return {"customer_id": customer_id, "messages": [_message(row) for row in rows]}


@router.post("/customers/{customer_id}/inbox/{delivery_id}/read", operation_id="mark_inbox_read")
def mark_read(customer_id: str, delivery_id: str, caller: CallerDep, store: StoreDep) -> dict[str, Any]:
    may_read_customer(caller, customer_id)
    with store.begin() as connection:
        done = connection.execute(sa.update(deliveries).where(
            deliveries.c.delivery_id == delivery_id, deliveries.c.customer_id == customer_id, deliveries.c.read_at.is_(None),
            deliveries.c.channel.in_(INBOX)).values(read_at=datetime.now(timezone.utc)))
        if done.rowcount == 0 and connection.execute(sa.select(deliveries.c.delivery_id).where(
                deliveries.c.delivery_id == delivery_id, deliveries.c.customer_id == customer_id)).first() is None:
            raise NotFoundError(f"No message {delivery_id} in customer {customer_id}'s inbox.")
    return {"delivery_id": delivery_id, "read": True}


@router.get("/agent-queue", operation_id="get_agent_queue")
def agent_queue(caller: CallerDep, store: StoreDep, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """Alerts for agents (a customer newly in financial difficulty, ...), newest first."""
    require(caller, "agent_queue:read")
    with store.begin() as connection:
        rows = connection.execute(sa.select(deliveries).where(deliveries.c.channel == "agent", deliveries.c.status == "sent")
                                  .order_by(deliveries.c.sent_at.desc()).limit(limit)).mappings().all()
    audit(store, caller, "agent_queue.read", None, detail={"count": len(rows)})
    return {"alerts": [{**_message(row), "customer_id": row["customer_id"]} for row in rows]}


@router.get("/deliveries", operation_id="list_deliveries")
def list_deliveries(caller: CallerDep, store: StoreDep, customer_id: str | None = None, status: str | None = None,
                    limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """The delivery log: every message with its channel, status, attempts and last error."""
    require(caller, "deliveries:read")
    query = sa.select(deliveries).order_by(deliveries.c.created_at.desc()).limit(limit)
    if customer_id:
        query = query.where(deliveries.c.customer_id == customer_id)
    if status:
        query = query.where(deliveries.c.status == status)
    with store.begin() as connection:
        rows = connection.execute(query).mappings().all()
    audit(store, caller, "deliveries.read", customer_id)
    return {"deliveries": [{k: v for k, v in row.items() if k not in ("content", "address")} | {"subject": row["content"].get("subject")}
                           for row in rows]}


def _message(row: Any) -> dict[str, Any]:
    content = row["content"]
    return {**{k: row[k] for k in SHOWN}, **{k: content.get(k) for k in ("language", "direction", "subject", "text", "cta", "html")}}
