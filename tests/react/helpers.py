"""A small bank for real-time tests: products, customers, one ATM, and a clock the test moves."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from savile.react.runtime import RealTime
from savile.store.tables import deliveries, locations
from savile.workspace import Workspace
from tests.decide.helpers import NOW, add_customer, add_products

ATM = {"location_id": "atm-1", "kind": "atm", "name": "High Street ATM", "latitude": 51.5007, "longitude": -0.1246, "city": "London"}
_ids = itertools.count()


@dataclass
class Clock:
    now: datetime = NOW + timedelta(hours=3)  # 12:00 in London: outside quiet hours

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Bank:
    workspace: Workspace
    clock: Clock
    realtime: RealTime
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, *events: dict[str, Any]) -> int:
        from savile.events.intake import parse_batch
        return self.realtime.accept(parse_batch({"events": list(events)}))

    def run(self) -> None:
        for _ in range(5):
            queued, jobs, sent = self.realtime.step()
            if not (queued or jobs or sent.sent):
                return

    def deliveries(self, **where: Any) -> list[dict[str, Any]]:
        query = sa.select(deliveries).order_by(deliveries.c.created_at)
        for name, value in where.items():
            query = query.where(deliveries.c[name] == value)
        with self.workspace.store.begin() as connection:
            return [dict(r) for r in connection.execute(query).mappings()]


class Recorder:
    """A channel that remembers what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, delivery: dict[str, Any]) -> None:
        self.sent.append(delivery)


def open_bank(workspace: Workspace, customers: dict[str, dict[str, Any]] | None = None, channels: dict[str, Any] | None = None) -> Bank:
    store = workspace.store
    add_products(store)
    for customer_id, options in (customers or {"c1": {}}).items():
        add_customer(store, customer_id, **options)
    with store.begin() as connection:
        connection.execute(sa.insert(locations).values(**ATM))
    clock = Clock()
    recorder = Recorder()
    chosen = channels or {"email": recorder, "sms": recorder, "push": recorder, "inbox": recorder}
    return Bank(workspace, clock, RealTime.open(workspace, clock=clock, channels=chosen), recorder.sent)


def event(event_type: str, customer_id: str = "c1", at: datetime | None = None, **properties: Any) -> dict[str, Any]:
    body = {"event_id": f"e-{next(_ids)}", "occurred_at": (at or NOW + timedelta(hours=3)).isoformat(), "channel": "mobile_app",
            "event_type": event_type, "source": "core", "source_customer_id": f"src-{customer_id}"}
    if properties:
        body["properties"] = properties
    return body
