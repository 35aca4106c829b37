"""The same behaviour on every broker: the in-process queue, NATS JetStream and Redis Streams.

Every event sent is processed once, whatever the broker repeats; a bad event is kept with its
error and does not stop the stream; events sent while no worker runs wait for one.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from savile.events.intake import parse_batch
from savile.react.runtime import RealTime
from savile.store.tables import events_received, live_profiles
from savile.workspace import Workspace, init_workspace
from tests.decide.helpers import add_customer, add_products
from tests.events.conftest import BROKERS, broker_url_or_skip
from tests.react.helpers import Recorder, event

BACKENDS = ["memory", *BROKERS]


@pytest.fixture(params=BACKENDS)
def workspace_on(request: pytest.FixtureRequest, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:  # noqa: ANN001
    yield from bank_on(broker_url_or_skip(request.param), tmp_path, monkeypatch)


def bank_on(url: str | None, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:  # noqa: ANN001
    """A workspace with one customer whose events travel through the broker at ``url`` (None: in-process)."""
    if url:
        monkeypatch.setenv("SAVILE_BROKER_URL", url)
        monkeypatch.setenv("SAVILE_BROKER_SUBJECT", f"savile.test.{uuid.uuid4().hex[:10]}")
        monkeypatch.setenv("SAVILE_BROKER_CLAIM_AFTER_MS", "2000")
    monkeypatch.setenv("SAVILE_DATABASE_URL", f"sqlite:///{tmp_path / 'savile.db'}")
    workspace = init_workspace(tmp_path / "ws")
    add_products(workspace.store)
    add_customer(workspace.store, "c1")
    yield workspace
    workspace.close()


def realtime_for(workspace: Workspace) -> RealTime:
    from savile.react.runtime import channels_for
    return RealTime.open(workspace, channels={**channels_for(workspace), "inbox": Recorder()})


async def publish(workspace: Workspace, events: list[dict]) -> None:
    sender = realtime_for(workspace)  # the API's side: its own connection
    await sender.publish(parse_batch({"events": events}))
    if sender.bus is not None:
        await sender.bus.close()


async def work_until(workspace: Workspace, done, timeout: float = 30.0) -> RealTime:  # noqa: ANN001
    worker = realtime_for(workspace)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop, idle_seconds=0.05))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done():
        await asyncio.sleep(0.1)
    stop.set()
    await task
    return worker


def poison_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker fails on a page view of page 'poison' (as on any event it cannot process)."""
    from savile.react import processor

    original = processor.EventProcessor._apply
    def fail_on_poison(self, connection, table, event, customer_id, now, outcome):  # noqa: ANN001, ANN202
        if (event.get("properties") or {}).get("page") == "poison":
            raise RuntimeError("cannot process this one")
        return original(self, connection, table, event, customer_id, now, outcome)
    monkeypatch.setattr(processor.EventProcessor, "_apply", fail_on_poison)


def processed(workspace: Workspace) -> list[str]:
    with workspace.store.begin() as connection:
        return list(connection.execute(sa.select(events_received.c.event_id).where(events_received.c.processed_at.isnot(None))).scalars())


def test_every_event_is_processed_once_whatever_the_broker_repeats(workspace_on: Workspace) -> None:
    events = [event("page_view", page=f"p{i}", error_code="E1") for i in range(20)]
    asyncio.run(publish(workspace_on, events + events[:5]))  # five sent twice
    asyncio.run(work_until(workspace_on, lambda: len(processed(workspace_on)) >= 20))
    assert sorted(processed(workspace_on)) == sorted(e["event_id"] for e in events)
    with workspace_on.store.begin() as connection:
        counts = connection.execute(sa.select(live_profiles.c.counts).where(live_profiles.c.customer_id == "c1")).scalar_one()
    assert counts["page_view"] == 20  # the live profile counted each event once, none of the repeats


def test_a_bad_event_is_kept_with_its_error_and_the_stream_goes_on(workspace_on: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    poison_pages(monkeypatch)
    events = [event("login"), event("page_view", page="poison"), event("login")]
    asyncio.run(publish(workspace_on, events))
    asyncio.run(work_until(workspace_on, lambda: len(processed(workspace_on)) >= 3))
    with workspace_on.store.begin() as connection:
        outcomes = dict(connection.execute(sa.select(events_received.c.event_id, events_received.c.outcome)).all())
    assert "cannot process this one" in outcomes[events[1]["event_id"]]["error"]
    assert all("error" not in (outcomes[e["event_id"]] or {}) for e in (events[0], events[2]))


def test_events_sent_while_no_worker_runs_wait_for_one(workspace_on: Workspace) -> None:
    events = [event("login") for _ in range(5)]
    asyncio.run(publish(workspace_on, events))
    assert processed(workspace_on) == []
    asyncio.run(work_until(workspace_on, lambda: len(processed(workspace_on)) >= 5))
    assert sorted(processed(workspace_on)) == sorted(e["event_id"] for e in events)


def test_events_are_processed_in_the_order_sent(workspace_on: Workspace) -> None:
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc)  # the reminder must not be due yet while the stream is read
    started = event("application_started", product_code="SAVE", at=now)
    logins = [event("login", at=now) for _ in range(30)]
    submitted = event("application_submitted", product_code="SAVE", at=now)
    asyncio.run(publish(workspace_on, [started, *logins, submitted]))
    asyncio.run(work_until(workspace_on, lambda: len(processed(workspace_on)) >= 32))
    with workspace_on.store.begin() as connection:
        order = list(connection.execute(sa.select(events_received.c.event_id).order_by(events_received.c.processed_at,
                                                                                         events_received.c.sequence)).scalars())
        outcome = connection.execute(sa.select(events_received.c.outcome).where(
            events_received.c.event_id == submitted["event_id"])).scalar_one()
    assert order == [e["event_id"] for e in (started, *logins, submitted)]
    assert outcome.get("cancelled") == 1, outcome  # the submission found the reminder the start had scheduled
