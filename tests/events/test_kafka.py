"""Kafka through FastStream's in-memory Kafka test broker: no Kafka server runs on these machines,
so this checks Savile's wiring (topic, consumer group, keys, decoding, the worker's handling),
not a broker's delivery guarantees; the conformance suite does that on NATS and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from faststream.kafka import TestKafkaBroker

from savile.events.brokers import partition_key
from savile.events.intake import parse_batch
from savile.store.tables import events_received, live_profiles
from savile.workspace import Workspace
from tests.events.test_conformance import bank_on, poison_pages, processed, realtime_for
from tests.react.helpers import event


@pytest.fixture
def kafka_workspace(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:  # noqa: ANN001
    yield from bank_on("kafka://kafka-1:9092,kafka-2:9092", tmp_path, monkeypatch)


def test_events_through_kafka_are_processed_once_and_a_bad_one_is_kept(kafka_workspace: Workspace,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    poison_pages(monkeypatch)
    events = [event("page_view", page=f"p{i}") for i in range(3)] + [event("page_view", page="poison"), event("login")]

    async def scenario() -> None:
        worker = realtime_for(kafka_workspace)
        async with TestKafkaBroker(worker.bus.broker):
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop, idle_seconds=0.05))
            await asyncio.sleep(0.2)
            await worker.publish(parse_batch({"events": events + events[:2]}))  # two sent twice
            await asyncio.sleep(0.2)
            stop.set()
            await task

    asyncio.run(scenario())
    assert sorted(processed(kafka_workspace)) == sorted(e["event_id"] for e in events)
    with kafka_workspace.store.begin() as connection:
        outcomes = dict(connection.execute(sa.select(events_received.c.event_id, events_received.c.outcome)).all())
        counts = connection.execute(sa.select(live_profiles.c.counts).where(live_profiles.c.customer_id == "c1")).scalar_one()
    assert "cannot process this one" in outcomes[events[3]["event_id"]]["error"]
    assert counts["page_view"] == 3  # each good page view once, none of the repeats


def test_one_customers_events_share_a_partition_key() -> None:
    first = {"event_id": "1", "source": "core", "source_customer_id": "A-1", "device_id": "d1"}
    assert partition_key(first) == partition_key({**first, "event_id": "2"})
    assert partition_key(first) != partition_key({**first, "source": "cards"})
    assert partition_key({"event_id": "3", "account_id": "ACC-9"}) != partition_key({"event_id": "4", "account_id": "ACC-8"})
