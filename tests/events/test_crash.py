"""A worker killed with SIGKILL in the middle of a stream on NATS, then restarted: every event is
processed, and no message reaches the gateway twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

from savile.events.intake import parse_batch
from savile.react.runtime import RealTime
from savile.store.tables import deliveries, events_received, locations
from savile.workspace import init_workspace
from tests.decide.helpers import add_customer, add_products
from tests.events.conftest import broker_url_or_skip
from tests.react.helpers import ATM, event

EVENTS = 300


class Gateway(BaseHTTPRequestHandler):
    received: Counter = Counter()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received[self.headers["Idempotency-Key"]] += 1
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def test_a_killed_worker_loses_no_event_and_sends_nothing_twice(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    url = broker_url_or_skip("nats")
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    env = {**os.environ, "SAVILE_BROKER_URL": url, "SAVILE_BROKER_SUBJECT": f"savile.crash.{uuid.uuid4().hex[:10]}",
           "SAVILE_DATABASE_URL": f"sqlite:///{tmp_path / 'savile.db'}",
           "SAVILE_PUSH_WEBHOOK_URL": f"http://127.0.0.1:{gateway.server_port}/push"}
    for name, value in env.items():
        if name.startswith("SAVILE_"):
            monkeypatch.setenv(name, value)  # this process's workspace sees the same settings; restored afterwards
    try:
        workspace = init_workspace(tmp_path / "ws")
        # Not the hour the test runs at, nor the cap on repeats, may stop the pushes.
        (tmp_path / "ws" / "policy.yaml").write_text("quiet_channels: []\ndefault_impression_cap: 100000\n")
        add_products(workspace.store)
        add_customer(workspace.store, "c1", grants={("profiling", None): True, ("location", None): True})
        with workspace.store.begin() as connection:
            connection.execute(sa.insert(locations).values(**ATM))
        pings = [{**event("location_ping", latitude=ATM["latitude"] + 0.001, longitude=ATM["longitude"]), "device_id": "phone-1"}
                 for _ in range(EVENTS)]
        sender = RealTime.open(workspace)
        asyncio.run(_publish(sender, parse_batch({"events": pings})))
        command = [sys.executable, "-m", "savile", "worker", "-w", str(tmp_path / "ws"), "--stale-after", "0"]
        first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait(lambda: sum(Gateway.received.values()) >= EVENTS // 5, 60, first)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = sum(Gateway.received.values())
        assert killed_at < EVENTS, "the worker finished before it was killed; the test proves nothing"
        second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait(lambda: _settled(workspace), 120, second)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
        with workspace.store.begin() as connection:
            done = connection.execute(sa.select(sa.func.count()).where(events_received.c.processed_at.isnot(None))).scalar_one()
            statuses = dict(connection.execute(sa.select(deliveries.c.delivery_id, deliveries.c.status)).all())
        assert done == EVENTS
        assert len(statuses) == EVENTS  # one push per ping
        assert max(Gateway.received.values()) == 1, "a message reached the gateway twice"
        assert set(Counter(statuses.values())) <= {"sent", "unknown"}
        assert {k for k, s in statuses.items() if s == "sent"} <= set(Gateway.received)
        print("killed after", killed_at, "sends;", Counter(statuses.values()))
        assert sum(1 for s in statuses.values() if s == "unknown") <= 1  # at most the one in flight when killed
        workspace.close()
    finally:
        gateway.shutdown()


async def _publish(sender: RealTime, events: list[dict]) -> None:
    await sender.publish(events)
    await sender.bus.close()


def _settled(workspace) -> bool:  # noqa: ANN001
    with workspace.store.begin() as connection:
        done = connection.execute(sa.select(sa.func.count()).where(events_received.c.processed_at.isnot(None))).scalar_one()
        open_ = connection.execute(sa.select(sa.func.count()).where(deliveries.c.status.in_(["pending", "sending"]))).scalar_one()
    return done == EVENTS and open_ == 0


def _wait(condition, seconds: float, process: subprocess.Popen) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(f"the worker exited early: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    raise AssertionError(f"timed out after {seconds} s: {json.dumps(dict(Gateway.received))[:200]}")
