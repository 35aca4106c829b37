"""Event intake through the API, and event → delivered notification latency through NATS.

    python benchmarks/realtime.py --customers 100000 --seconds 15 --concurrency 8 --batch 500

1. Intake: ``savile serve --no-worker``'s app under uvicorn (one process), clients in another
   process POST batches of new events as fast as 202s come back; printed as events/s, once with
   the in-process queue (SQLite) and once publishing to NATS JetStream (127.0.0.1:4222).
2. End to end: a ``savile worker`` on NATS and a local push gateway (HTTP); location pings are
   published one by one at a steady rate next to an ATM, each making one push; latency is from
   publishing the event to the gateway receiving the push. p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from decision_api import fill, serve

NATS = os.environ.get("SAVILE_BENCH_NATS_URL", "nats://127.0.0.1:4222")
ATM = (51.5007, -0.1246)
SINCE = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def post_batches(url: str, key: str, seconds: float, concurrency: int, batch: int, prefix: str) -> int:
    import httpx

    accepted = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def worker(k: int) -> None:
            nonlocal accepted
            n = 0
            while time.perf_counter() < stop:
                events = ",".join(
                    f'{{"event_id":"{prefix}-{k}-{n + i}","occurred_at":"2026-11-01T09:00:00Z","channel":"mobile_app",'
                    f'"event_type":"screen_view","source":"core","source_customer_id":"c{(n + i) % 1000:07d}",'
                    f'"properties":{{"page":"home","duration_ms":1200}}}}' for i in range(batch))
                n += batch
                answer = await client.post(url, content=f'{{"events":[{events}]}}', headers={"Authorization": f"Bearer {key}",
                                                                                          "Content-Type": "application/json"})
                if answer.status_code != 202:
                    raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
                accepted += answer.json()["accepted"]
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return accepted


def _client(url: str, key: str, seconds: float, concurrency: int, batch: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(asyncio.run(post_batches(url, key, seconds, concurrency, batch, uuid.uuid4().hex[:8])))


def intake(name: str, workspace: Path, folder: Path, port: int, key: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    code = ("from pathlib import Path\nfrom savile.api import create_app\nfrom savile.workspace import find_workspace\n"
            f"app = create_app(find_workspace(Path({str(workspace)!r})), worker=False)\n")
    previous = dict(os.environ)
    os.environ.update(env)
    try:
        server = serve(code, port, folder)
    finally:
        os.environ.clear()
        os.environ.update(previous)
    try:
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        url = f"http://127.0.0.1:{port}/v1/events"
        warm = multiprocessing.Process(target=_client, args=(url, key, 2.0, args.concurrency, args.batch, queue))
        warm.start(), queue.get(), warm.join()
        runner = multiprocessing.Process(target=_client, args=(url, key, args.seconds, args.concurrency, args.batch, queue))
        runner.start()
        accepted = queue.get()
        runner.join()
        print(f"intake {name:<18} {accepted / args.seconds:>9,.0f} events/s  ({accepted:,} events, batches of {args.batch}, "
              f"{args.concurrency} clients)", flush=True)
    finally:
        server.terminate()
        server.wait()


class Gateway(BaseHTTPRequestHandler):
    arrivals: dict[str, float] = {}

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.arrivals[self.headers["Idempotency-Key"]] = time.perf_counter()
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def end_to_end(workspace: Path, args: argparse.Namespace) -> None:
    import sqlalchemy as sa

    from savile.events.intake import parse_batch
    from savile.react.runtime import RealTime
    from savile.store.tables import consents, deliveries, events_received, identifiers, locations
    from savile.workspace import find_workspace

    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    subject = f"savile.bench.{uuid.uuid4().hex[:8]}"
    env = {"SAVILE_BROKER_URL": NATS, "SAVILE_BROKER_SUBJECT": subject,
           "SAVILE_PUSH_WEBHOOK_URL": f"http://127.0.0.1:{gateway.server_port}/push"}
    os.environ.update(env)
    (workspace / "policy.yaml").write_text("quiet_channels: []\ndefault_impression_cap: 1000000\n")
    customers = [f"c{i:07d}" for i in range(200)]
    with find_workspace(workspace) as opened:
        with opened.store.begin() as connection:
            connection.execute(sa.delete(events_received))  # the intake run's events would queue ahead of these
            connection.execute(sa.insert(locations).values(location_id="atm-1", kind="atm", name="High Street", latitude=ATM[0],
                                                           longitude=ATM[1]))
            connection.execute(sa.insert(consents), [{"record_key": f"{c}|location", "source": "core", "source_customer_id": c,
                                                      "purpose": "location", "channel": None, "granted": True,
                                                      "recorded_at": SINCE} for c in customers])
            connection.execute(sa.update(consents).where(consents.c.purpose == "profiling",
                                                         consents.c.source_customer_id.in_(customers)).values(granted=True))
            connection.execute(sa.insert(identifiers), [{"kind": "device", "value": f"dev-{c}", "customer_id": c,
                                                         "seen_at": SINCE} for c in customers])
        worker = subprocess.Popen([sys.executable, "-m", "savile", "worker", "-w", str(workspace)], env={**os.environ, **env},
                                  stdout=subprocess.DEVNULL)
        sender = RealTime.open(opened)
        sent: dict[str, float] = {}

        async def publish_steadily() -> None:
            gap = 1.0 / args.rate
            deadline = time.perf_counter() + args.seconds
            i = 0
            while time.perf_counter() < deadline:
                customer = customers[i % len(customers)]
                event = {"event_id": f"ping-{uuid.uuid4().hex}", "occurred_at": "2026-11-01T09:00:00Z", "channel": "mobile_app",
                         "event_type": "location_ping", "source": "core", "source_customer_id": customer, "device_id": f"dev-{customer}",
                         "properties": {"latitude": ATM[0] + 0.001, "longitude": ATM[1]}}
                delivery = hashlib.sha256(f"{event['event_id']}\x00nearby_atm".encode()).hexdigest()[:32]
                sent[delivery] = time.perf_counter()
                await sender.publish(parse_batch(event))
                i += 1
                await asyncio.sleep(max(0.0, gap - 0.0005))
            await asyncio.sleep(5)
            await sender.bus.close()

        time.sleep(8)  # the worker connects
        asyncio.run(publish_steadily())
        worker.terminate()
        worker.wait()
        with opened.store.begin() as connection:
            statuses = dict(connection.execute(sa.select(deliveries.c.status, sa.func.count()).group_by(deliveries.c.status)).all())
            processed = connection.execute(sa.select(sa.func.count()).where(events_received.c.processed_at.isnot(None))).scalar_one()
        print(f"end to end: {processed:,} events processed, deliveries {statuses}", flush=True)
    gateway.shutdown()
    latencies = sorted((Gateway.arrivals[d] - t) * 1000 for d, t in sent.items() if d in Gateway.arrivals)
    if not latencies:
        print("end to end: no push arrived")
        return
    print(f"end to end via NATS  {len(latencies):,} of {len(sent):,} pushes at {args.rate}/s: p50 {statistics.median(latencies):.1f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99)]:.1f} ms, max {latencies[-1]:.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second for the end-to-end run")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="savile-rt-bench-"))
    workspace = folder / "ws"
    fill(workspace, args.customers)
    from savile.api import create_key
    from savile.workspace import find_workspace

    with find_workspace(workspace) as opened:
        key = create_key(opened.store, "channel", "benchmark")
    intake("in-process (SQLite)", workspace, folder, 8731, key, args, {})
    intake("NATS JetStream", workspace, folder, 8732, key, args, {"SAVILE_BROKER_URL": NATS, "SAVILE_BROKER_SUBJECT": "savile.bench.intake"})
    end_to_end(workspace, args)


if __name__ == "__main__":
    main()
