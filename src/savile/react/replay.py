"""Replay a slice of history through the real-time path, on a clock that follows the events: what
the bank's customers would have been sent, and why, had Savile been live."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from savile.deliver.dispatcher import Sent
from savile.events.intake import parse_batch
from savile.store import DuckDBAnalyticalStore
from savile.store.tables import deliveries

CHUNK = 100


@dataclass
class ReplayClock:
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class ReplaySummary:
    events: int
    start: datetime | None
    end: datetime | None
    sent: Counter  # (trigger, channel, status) -> deliveries
    examples: list[dict[str, Any]]


def recent_events(analytics: DuckDBAnalyticalStore, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` interactions, oldest first, as contract events."""
    columns = ("event_id", "occurred_at", "channel", "event_type", "source", "source_customer_id", "email", "phone", "device_id",
               "session_id", "properties")
    rows = analytics.run(f"""
        SELECT * FROM (SELECT {', '.join(columns)} FROM interactions ORDER BY occurred_at DESC, event_id DESC LIMIT {int(limit)})
        ORDER BY occurred_at, event_id""")
    events = []
    for row in rows:
        event = {k: v for k, v in zip(columns, row, strict=True) if v is not None}
        event["occurred_at"] = event["occurred_at"].isoformat()
        if isinstance(event.get("properties"), str):
            event["properties"] = json.loads(event["properties"])
        events.append(event)
    return events


def replay(realtime: Any, clock: ReplayClock, events: list[dict[str, Any]], settle: timedelta = timedelta(hours=25),
           progress: Any = None) -> ReplaySummary:
    """Feed ``events`` in time order, the clock at each chunk's last event; then let delayed jobs fall due."""
    validated = parse_batch({"events": events}) if events else []
    for start in range(0, len(validated), CHUNK):
        chunk = validated[start : start + CHUNK]
        clock.now = datetime.fromisoformat(chunk[-1]["occurred_at"])
        realtime.accept(chunk)
        _step_until_quiet(realtime)
        if progress:
            progress(min(start + CHUNK, len(validated)), len(validated))
    for _ in range(int(settle / timedelta(hours=1))):  # hour by hour: reminders fall due, quiet hours end
        clock.now += timedelta(hours=1)
        _step_until_quiet(realtime)
    return summarise(realtime.queue.store, events)


def summarise(store: Any, events: list[dict[str, Any]]) -> ReplaySummary:
    with store.begin() as connection:
        counted = Counter({(t, c, s): n for t, c, s, n in connection.execute(
            sa.select(deliveries.c.trigger_id, deliveries.c.channel, deliveries.c.status, sa.func.count()).group_by(
                deliveries.c.trigger_id, deliveries.c.channel, deliveries.c.status))})
        examples = [dict(r) for r in connection.execute(sa.select(deliveries).order_by(deliveries.c.created_at).limit(400)).mappings()]
    picked, seen = [], set()
    for row in examples:  # one example per trigger
        if row["trigger_id"] not in seen:
            seen.add(row["trigger_id"])
            picked.append(row)
    times = [e["occurred_at"] for e in events]
    return ReplaySummary(len(events), datetime.fromisoformat(min(times)) if times else None,
                         datetime.fromisoformat(max(times)) if times else None, counted, picked)


def _step_until_quiet(realtime: Any) -> Sent:
    total = Sent()
    while True:
        queued, jobs, sent = realtime.step()
        total.sent += sent.sent
        if not (queued or jobs or sent.sent):
            return total
