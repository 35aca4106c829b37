"""Two processes committing small writes through the store's writer queue, as two server processes do.

    python benchmarks/sqlite_commits.py --seconds 20

Each process opens the store as ``savile serve`` does (background checkpoints on, ``synchronous =
full``) and loops: one write transaction (a 6 KB row with two indexes and a counter upsert,
about what a decision logs), then 1.2 ms without the lock, about a decision's CPU. Prints commits a
second, p50/p99 of each commit (the writer's queue included) and the largest the write-ahead log
grew while they ran: under steady load a log that never starts again grows by every commit.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

PAYLOAD = "x" * 6000


def commit_in_a_loop(url: str, seconds: float, worker: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from savile.store import SqlStore

    store = SqlStore(url)
    store.checkpoint_in_background()
    latencies = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        with store.writer(), store.begin() as connection:
            connection.exec_driver_sql("INSERT INTO logged (id, customer, body) VALUES (?, ?, ?)", (f"{worker}-{i}", f"c{i % 20_000}", PAYLOAD))
            connection.exec_driver_sql("INSERT INTO counters (customer, n) VALUES (?, 1) ON CONFLICT (customer) DO UPDATE SET n = n + 1",
                                       (f"c{(i * 7919) % 20_000}",))
        latencies.append(time.perf_counter() - started)
        i += 1
        time.sleep(0.0012)
    store.dispose()
    results.put(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    import sqlalchemy as sa

    database = Path(tempfile.mkdtemp(prefix="savile-commits-")) / "commits.db"
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        connection.exec_driver_sql("CREATE TABLE logged (id TEXT PRIMARY KEY, customer TEXT, body TEXT)")
        connection.exec_driver_sql("CREATE INDEX logged_customer ON logged (customer)")
        connection.exec_driver_sql("CREATE TABLE counters (customer TEXT PRIMARY KEY, n INTEGER)")
    engine.dispose()
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [multiprocessing.Process(target=commit_in_a_loop, args=(f"sqlite:///{database}", args.seconds, w, results))
               for w in range(args.processes)]
    for worker in workers:
        worker.start()
    log_file, largest = Path(f"{database}-wal"), 0
    deadline = time.monotonic() + args.seconds - 0.2
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if log_file.exists():
            largest = max(largest, log_file.stat().st_size)
    latencies = sorted(x for _ in workers for x in results.get())
    for worker in workers:
        worker.join()
    shutil.rmtree(database.parent)
    n = len(latencies)
    print(f"{n / args.seconds:,.0f} commits/s   p50 {latencies[n // 2] * 1e3:.2f} ms   p99 {latencies[int(n * 0.99)] * 1e3:.2f} ms   "
          f"largest log {largest / 1e6:,.0f} MB   ({args.processes} processes, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
