"""Decision API latency and throughput over loopback, against a FastAPI hello-world floor.

    python benchmarks/decision_api.py --customers 1000000 --seconds 20 --concurrency 16
    python benchmarks/decision_api.py --customers 1000000 --seconds 20 --rate 500 --workers 2

Fills a workspace's operational store (SQLite) with N customers, each with holdings, consents
and an online profile (features, propensities, flags) — the rows a decision reads — then serves
``savile serve`` and a one-line FastAPI app under uvicorn (each with ``--workers`` processes, in turn) and
drives each with concurrent keep-alive clients from another process. Prints p50/p99 latency and
requests per second for both; compare the ratio, since the client shares the machine's cores.

Two ways to load it: ``--concurrency N`` keeps N requests in flight (closed loop: the most a
server answers, with latency that is mostly queueing), ``--rate R`` sends R requests a second on
a fixed schedule whatever the answers (open loop: the latency a channel app sees at that load,
timed from when each request was due, so a slow answer also delays the count of the ones behind it).

``--synchronous normal`` serves with the SQLite setting that skips each commit's fsync
(``sqlite_synchronous``; the default, ``full``, keeps every answered decision through a power loss).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

PRODUCTS = [("CURR", "Current account", "current_account", 0, 80), ("SAVE", "Saver", "savings", 0, 60),
            ("CARD", "Credit card", "credit_card", 1, 150), ("LOAN", "Loan", "personal_loan", 1, 400),
            ("INS", "Home insurance", "insurance", 0, 90), ("INV", "Investments", "investment", 0, 180)]


def fill(workspace: Path, customers: int, extra_features: int = 0) -> list[str]:
    """The rows a decision reads, through SQLAlchemy Core so the same fill runs on SQLite or on
    PostgreSQL (``SAVILE_DATABASE_URL``). ``extra_features`` pads each snapshot with that many more
    numeric features (the pipeline writes hundreds; the decision reads and digests them all)."""
    from savile.store.tables import consents, customer_links, customers as customers_table, feature_snapshots, holdings, products
    from savile.workspace import init_workspace

    opened = init_workspace(workspace)
    now = datetime.now(timezone.utc)
    rng = random.Random(1)
    ids = [f"c{i:07d}" for i in range(customers)]
    with opened.store.begin() as connection:
        connection.execute(products.insert(), [{"product_code": c, "name": n, "category": k, "is_credit": bool(credit), "annual_value": v}
                                               for c, n, k, credit, v in PRODUCTS])
    for start in range(0, customers, 50_000):
        chunk = ids[start : start + 50_000]
        with opened.store.begin() as connection:
            connection.execute(customers_table.insert(), [
                # A first name of their own: a message rendered for one customer is not reused for the next.
                {"customer_id": c, "status": "active", "first_name": f"Alex{c}", "last_name": "Doe",
                 "birth_date": date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1), "language": rng.choice(["en", "en", "ru", "fa"]),
                 "email": "a@example.org", "record_count": 1, "created_at": now, "updated_at": now} for c in chunk])
            connection.execute(customer_links.insert(), [
                {"source": "core", "source_customer_id": c, "customer_id": c, "method": "single", "linked_at": now} for c in chunk])
            connection.execute(holdings.insert(), [
                {"account_id": f"{c}-{p}", "source": "core", "source_customer_id": c, "product_code": p, "opened_at": date(2020, 1, 1)}
                for c in chunk for p in ("CURR",) + (("SAVE",) if rng.random() < 0.4 else ())])
            connection.execute(consents.insert(), [
                {"record_key": f"{c}|{purpose}|{channel}", "source": "core", "source_customer_id": c, "purpose": purpose,
                 "channel": channel, "granted": rng.random() < 0.8, "recorded_at": now}
                for c in chunk for purpose, channel in (("marketing", "in_app"), ("marketing", "email"), ("profiling", None))])
            connection.execute(feature_snapshots.insert(), [
                {"customer_id": c, "as_of": date(2026, 10, 31), "features": {"age_years": 30, "txn_count_30d": rng.randrange(80), "tenure_days": 900,
                                                            **{f"feature_{k}": round(rng.random() * 100, 2) for k in range(extra_features)}},
                 "segment": "segment 1", "computed_at": now, "scores": {p[0]: round(rng.random() / 10, 4) for p in PRODUCTS},
                 "reasons": {"SAVE": "txn_count_30d=12"}, "flags": {"financial_difficulty": rng.random() < 0.03}, "model_version": "bench"}
                for c in chunk])
        print(f"  filled {start + len(chunk):,} customers", flush=True)
    opened.store.refresh_statistics()
    opened.close()
    return ids


HELLO = """
from fastapi import FastAPI
app = FastAPI()
@app.post("/hello")
def hello(body: dict) -> dict:
    return {"hello": "world"}
"""



def serve(code: str, port: int, folder: Path, workers: int = 1) -> subprocess.Popen:  # type: ignore[type-arg]
    module = folder / f"app_{port}.py"
    module.write_text(code, encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", f"app_{port}:app", "--port", str(port), "--log-level", "warning",
                                "--no-access-log", "--workers", str(workers)], cwd=folder)
    return ready(process, port)


def serve_savile(workspace: Path, port: int, workers: int, synchronous: str = "full") -> subprocess.Popen:  # type: ignore[type-arg]
    """``savile serve`` itself, as a bank runs it (metrics shared between processes included)."""
    process = subprocess.Popen([sys.executable, "-m", "savile", "serve", "-w", str(workspace), "--port", str(port),
                                "--workers", str(workers), "--no-worker"],
                               env={**os.environ, "SAVILE_SQLITE_SYNCHRONOUS": synchronous})
    return ready(process, port)


def ready(process: subprocess.Popen, port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    import httpx

    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


async def drive(url: str, bodies: list[str], headers: dict[str, str], seconds: float, concurrency: int) -> list[float]:
    import httpx

    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def worker(offset: int) -> None:
            i = offset
            while time.perf_counter() < stop:
                started = time.perf_counter()
                answer = await client.post(url, content=bodies[i % len(bodies)], headers=headers)
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
                i += concurrency
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return latencies


async def drive_at_rate(url: str, bodies: list[str], headers: dict[str, str], seconds: float, rate: float) -> list[float]:
    import httpx

    latencies: list[float] = []
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def one(body: str, due: float) -> None:
            answer = await client.post(url, content=body, headers=headers)
            latencies.append(time.perf_counter() - due)  # from when it was due: a late start counts against the server
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
        start = time.perf_counter()
        sent = []
        for i in range(int(seconds * rate)):
            due = start + i / rate
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            sent.append(asyncio.create_task(one(bodies[i % len(bodies)], due)))
        await asyncio.gather(*sent)
    return latencies


def client(url: str, bodies: list[str], headers: dict[str, str], seconds: float, load: tuple[str, float],
           queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    kind, amount = load
    if kind == "rate":
        queue.put(asyncio.run(drive_at_rate(url, bodies, headers, seconds, amount)))
    else:
        queue.put(asyncio.run(drive(url, bodies, headers, seconds, int(amount))))


def measure(name: str, url: str, bodies: list[str], headers: dict[str, str], seconds: float, load: tuple[str, float]) -> None:
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    warm = multiprocessing.Process(target=client, args=(url, bodies[:2000], headers, 2.0, load, queue))
    warm.start()
    queue.get()
    warm.join()
    before = machine_counters()
    process = multiprocessing.Process(target=client, args=(url, bodies, headers, seconds, load, queue))
    process.start()
    latencies = sorted(queue.get())
    process.join()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"{name:<12} {len(latencies) / seconds:>9,.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({len(latencies):,} requests)\n"
          f"{'':<12} machine: {machine_activity(before)}", flush=True)


WRK_SCRIPT = """
local bodies = {%s}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = %s
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%.3f %%.3f %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
"""


def machine_counters() -> dict[str, float]:
    """The whole machine's CPU ticks by state (/proc/stat) and KiB read from and written to disk (/proc/vmstat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    vm = dict(line.split() for line in Path("/proc/vmstat").read_text().splitlines())
    return {"busy": sum(ticks) - ticks[3] - ticks[4], "iowait": ticks[4], "all": sum(ticks), "read": int(vm["pgpgin"]),
            "written": int(vm["pgpgout"])}


def machine_activity(before: dict[str, float]) -> str:
    """What the machine did since ``before``: a line can be slow because the disk was busy
    (writing back a fill, a checkpoint) rather than because the server was."""
    after = machine_counters()
    ticks = max(after["all"] - before["all"], 1)
    dirty = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("Dirty:"))
    return (f"cpu busy {100 * (after['busy'] - before['busy']) / ticks:.0f} %, iowait {100 * (after['iowait'] - before['iowait']) / ticks:.0f} %, "
            f"{(after['read'] - before['read']) / 1024:,.0f} MiB read, {(after['written'] - before['written']) / 1024:,.0f} MiB written, "
            f"{dirty / 1024:,.0f} MiB dirty at the end")


def measure_with_wrk(name: str, url: str, bodies: list[str], headers: dict[str, str], seconds: float, connections: int,
                     folder: Path) -> None:
    """The same measure with wrk (C, one thread): a load generator that needs far less of the
    shared cores than the Python client, so more of them go to the server."""
    def lua(text: str) -> str:
        return "[[" + text + "]]"

    script = folder / f"wrk_{name}.lua"
    script.write_text(WRK_SCRIPT % (", ".join(lua(b) for b in bodies[:50_000]), lua(headers["Authorization"])), encoding="utf-8")
    for duration in (2.0, seconds):  # the first run warms the server
        before = machine_counters()
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration:.0f}s", "-s", str(script), url],
                             capture_output=True, text=True, check=True).stdout
    requests, micros, p50, p99, bad = next(line for line in out.splitlines() if line.startswith("WRK")).split()[1:]
    if int(bad):
        raise RuntimeError(f"{bad} answers were not 200")
    print(f"{name:<12} {int(requests) / (int(micros) / 1e6):>9,.0f} req/s   p50 {float(p50):6.2f} ms   p99 {float(p99):6.2f} ms   "
          f"({int(requests):,} requests, wrk)\n{'':<12} machine: {machine_activity(before)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16, help="requests kept in flight (closed loop)")
    parser.add_argument("--rate", type=float, default=None, help="requests a second on a fixed schedule (open loop) instead")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes per server")
    parser.add_argument("--features", type=int, default=0, help="extra numeric features in each customer's snapshot")
    parser.add_argument("--synchronous", choices=["full", "normal"], default="full",
                        help="the SQLite store's commit durability (the sqlite_synchronous setting)")
    parser.add_argument("--seed", type=int, default=2, help="which customers the requests name: another seed on a reused "
                        "store reaches customers its earlier runs did not (their caps and contact history untouched)")
    parser.add_argument("--workspace", type=Path, default=None, help="reuse a filled workspace")
    parser.add_argument("--client", choices=["python", "wrk"], default="python",
                        help="load generator: the Python one here, or wrk (Debian's package; closed loop only)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="savile-bench-"))
    workspace = args.workspace or folder / "ws"
    started = time.perf_counter()
    if args.workspace is None:
        ids = fill(workspace, args.customers, args.features)
        print(f"filled {args.customers:,} customers in {time.perf_counter() - started:.0f} s")
    else:
        ids = [f"c{i:07d}" for i in range(args.customers)]
    # A fill leaves gigabytes in the page cache for the kernel to write back; lines measured
    # while it does would time the disk's backlog, not the server.
    synced = time.perf_counter()
    os.sync()
    print(f"os.sync() took {time.perf_counter() - synced:.1f} s")
    from savile.api import create_key
    from savile.workspace import find_workspace

    with find_workspace(workspace) as opened:
        key = create_key(opened.store, "channel", "benchmark")
    rng = random.Random(args.seed)
    bodies = [json.dumps({"customer": {"customer_id": rng.choice(ids)}, "channel": "mobile_app", "limit": 3}) for _ in range(200_000)]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    load = ("rate", args.rate) if args.rate else ("concurrency", float(args.concurrency))
    shape = f"{args.rate:g} requests/s on a fixed schedule" if args.rate else f"{args.concurrency} concurrent keep-alive clients"
    print(f"{shape}, {args.seconds:.0f} s each, {args.workers} uvicorn process(es) per server, SQLite synchronous={args.synchronous}")

    def run(name: str, url: str, sent: list[str]) -> None:
        if args.client == "wrk":
            measure_with_wrk(name, url, sent, headers, args.seconds, args.concurrency, folder)
        else:
            measure(name, url, sent, headers, args.seconds, load)

    hello = serve(HELLO, 8765, folder, args.workers)
    try:
        run("hello-world", "http://127.0.0.1:8765/hello", ['{"a": 1}'])
    finally:
        hello.terminate()
        hello.wait()
    savile = serve_savile(workspace, 8766, args.workers, args.synchronous)
    try:
        run("decisions", "http://127.0.0.1:8766/v1/decisions", bodies)
    finally:
        savile.terminate()
        savile.wait()


if __name__ == "__main__":
    main()
