"""The decision log and the contact history: appended, never updated (the database enforces it)."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from savile.decide.engine import Decision
from savile.exceptions import NotFoundError
from savile.store.prepared import Prepared
from savile.store.tables import RESPONSE_CONTACTS, contact_counters, contacts, decisions


def lock_customers(connection: sa.Connection, customer_ids: list[str], now: datetime) -> None:
    """Take each customer's counter row for the rest of the transaction, so that concurrent
    decisions for one customer run one after the other and caps and cooldowns hold. The write
    comes first: on SQLite it takes the database's write lock before anything is read."""
    connection.execute(_counter_upsert(connection.dialect.name),
                       [{"customer_id": c, "decisions": 1, "last_decided_at": now} for c in sorted(customer_ids)])


def lock_customer(connection: sa.Connection, customer_id: str, now: datetime) -> int:
    """``lock_customers`` for one customer, returning their decision count with this one."""
    return _counter_bump(connection.dialect.name).scalar(connection, {"customer_id": customer_id, "decisions": 1, "last_decided_at": now})


# Statements on the hot path are built once and bound per call: building one anew costs its
# cache key on every execution (a tenth of a decision's time in the server's profile).
@lru_cache(maxsize=4)
def _counter_upsert(dialect: str, returning: bool = False):  # noqa: ANN202
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(contact_counters)
    statement = statement.on_conflict_do_update(
        index_elements=[contact_counters.c.customer_id],
        set_={"decisions": contact_counters.c.decisions + 1, "last_decided_at": statement.excluded.last_decided_at})
    return statement.returning(contact_counters.c.decisions) if returning else statement


@lru_cache(maxsize=2)
def _counter_bump(dialect: str) -> Prepared:
    return Prepared(_counter_upsert(dialect, returning=True))


# The rows a decision logs, on the driver's cursor (``Prepared``): every decision writes them.
_DECISION_COLUMNS = ("decision_id", "decided_at", "customer_id", "channel", "placement", "mode", "inputs_digest", "model_versions",
                     "request", "candidates", "chosen", "actor")
_CONTACT_COLUMNS = ("customer_id", "action_id", "channel", "kind", "marketing", "occurred_at", "decision_id", "event_id")
_INSERT_DECISIONS = Prepared(sa.insert(decisions), _DECISION_COLUMNS)
_INSERT_CONTACTS = Prepared(sa.insert(contacts), _CONTACT_COLUMNS)


def append(connection: sa.Connection, made: list[Decision], mode: str, actor: str, marketing: dict[str, bool]) -> None:
    """Log ``made`` and record each chosen action as presented on its channel."""
    if not made:
        return
    _INSERT_DECISIONS.execute_many(connection, [{
        "decision_id": d.decision_id, "decided_at": d.decided_at, "customer_id": d.customer_id, "channel": d.channel,
        "placement": d.placement, "mode": mode, "inputs_digest": d.inputs_digest, "model_versions": d.model_versions,
        "request": d.request, "candidates": [dict(vars(c)) for c in d.candidates],
        "chosen": [{"action_id": a.action_id, "rank": a.rank, "score": a.score, "probability": a.probability} for a in d.actions],
        "actor": actor,
    } for d in made])
    presented = [{"customer_id": d.customer_id, "action_id": a.action_id, "channel": d.channel, "kind": "presented",
                  "marketing": marketing[a.action_id], "occurred_at": d.decided_at, "decision_id": d.decision_id, "event_id": None}
                 for d in made for a in d.actions]
    _INSERT_CONTACTS.execute_many(connection, presented)


def record_response(connection: sa.Connection, *, event_id: str, customer_id: str, action_id: str, channel: str, kind: str,
                    occurred_at: datetime, decision_id: str | None, marketing: bool) -> bool:
    """A customer's response to an action (idempotent by ``event_id``); False when seen before."""
    return insert_responses(connection, [{"event_id": event_id, "customer_id": customer_id, "action_id": action_id, "channel": channel,
                                          "kind": kind, "occurred_at": occurred_at, "decision_id": decision_id,
                                          "marketing": marketing}]) == 1


def insert_responses(connection: sa.Connection, rows: list[dict[str, Any]]) -> int:
    """Insert response contacts, skipping event ids already recorded (the unique key decides, so
    two workers racing on one event still record it once); returns the rows inserted."""
    if not rows:
        return 0
    # A decision read before this response and written after it must decide again (a decline
    # suppresses at once): responses move the customer's version as decisions do.
    lock_customers(connection, sorted({row["customer_id"] for row in rows}), datetime.now(timezone.utc))
    statement = (dialect_insert(connection)(contacts)
                 .on_conflict_do_nothing(index_elements=[contacts.c.event_id], index_where=RESPONSE_CONTACTS)
                 .returning(contacts.c.contact_id))  # counted from what came back: drivers' executemany rowcounts differ
    return len(connection.execute(statement, rows).all())


def read_decision(connection: sa.Connection, decision_id: str) -> dict[str, Any]:
    row = connection.execute(sa.select(decisions).where(decisions.c.decision_id == decision_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"No decision {decision_id}. Decision ids are returned by POST /v1/decisions.")
    return dict(row)


def dialect_insert(connection: sa.Connection):  # noqa: ANN202 — the dialect's insert() with ON CONFLICT
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
