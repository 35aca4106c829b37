"""Feature pipeline speed: seconds per as-of date on a synthetic bank.

    python benchmarks/features.py --customers 10000 --months 12 --dates 3
    python benchmarks/features.py --customers 10000 --copies 100 --dates 1   # 1,000,000 customers
    python benchmarks/features.py --copies 100 --dates 1 --train --reuse /tmp/savile-features-XXXX  # again, same bank

Builds the bank (synthesise, ingest, resolve; not timed), then computes every feature for the
last ``--dates`` month ends and prints the seconds each took and the rows read.

``--copies N`` measures a bank N times larger without synthesising it: the feature query's five
inputs (golden customers, resolved holdings, account map, transactions, resolved interactions)
are copied N times into a DuckDB file of their own, each copy's customer, account and event ids
suffixed, and the very same builder runs there (in passes of customers, as in production) under
the workspace's DuckDB memory limit. ``--train`` then times, on those copies, what ``savile
train`` and ``savile recommend`` do after the features: next-best-product training (its feature
dates for the sample, the backtest of both learners, the final fit; `train` logs each stage's
seconds), attrition training, and scoring every customer: the date's features, then the
recommendations on them, timed apart (`savile refresh` scores on features it has computed). The
copies' models mean nothing (every customer has 99 twins); only their times do.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from savile.features import FeatureBuilder
from savile.features.pipeline import add_months
from savile.identity import resolve
from savile.ingest import Ingestor
from savile.models import load_model, recommend, train, train_attrition
from savile.models.registry import ATTRITION, NEXT_BEST_PRODUCT
from savile.store.analytical import DuckDBAnalyticalStore
from savile.synth import synthesize
from savile.workspace import find_workspace, init_workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--dates", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--copies", type=int, default=1, help="measure on this many copies of the bank (see above)")
    parser.add_argument("--train", action="store_true", help="with --copies: also time training and scoring (see above)")
    parser.add_argument("--reuse", type=Path, help="the folder an earlier run left (its bank, and its copies with --copies)")
    args = parser.parse_args()
    root = args.reuse or Path(tempfile.mkdtemp(prefix="savile-features-"))
    started = time.perf_counter()
    if args.reuse:
        workspace = find_workspace(root / "ws")
    else:
        synthesize(root / "bank", customers=args.customers, months=args.months, seed=args.seed)
        workspace = init_workspace(root / "ws")
        Ingestor(workspace.store, workspace.analytics).ingest_folder(root / "bank")
        resolve(workspace.store, workspace.analytics, workspace.settings.source_trust)
        print(f"bank built in {time.perf_counter() - started:.0f}s (in {root})")
    connection = workspace.analytics.connection
    transactions, newest = connection.sql("SELECT count(*), max(booked_at)::DATE FROM transactions").fetchall()[0]
    interactions = connection.sql("SELECT count(*) FROM interactions_resolved").fetchall()[0][0]
    print(f"{'the reused bank' if args.reuse else f'{args.customers:,} people'}: {transactions:,} transactions, {interactions:,} interactions")
    builder = FeatureBuilder(workspace.store, workspace.analytics)
    first_of_newest_month = newest.replace(day=1)
    if args.copies > 1:
        limit = workspace.settings.duckdb_memory_limit
        workspace.close()  # the copies read its DuckDB file
        run_on_copies(builder, root, limit, args.copies, [add_months(first_of_newest_month, -back) - timedelta(days=1)
                                                          for back in range(args.dates - 1, -1, -1)], args.train, copied=args.reuse is not None)
        return
    for back in range(args.dates - 1, -1, -1):  # the month ends before the newest transaction, oldest first
        as_of = add_months(first_of_newest_month, -back) - timedelta(days=1)
        started = time.perf_counter()
        features = builder.features_as_of(as_of)
        print(f"as of {as_of}: {features.table.num_rows:,} customers × {features.table.num_columns - 1} features "
              f"in {time.perf_counter() - started:.1f}s")
    workspace.close()


# The query's inputs and the ids each copy must make its own.
COPIED = {"golden": ["customer_id"], "holdings_resolved": ["customer_id"], "account_map": ["account_id", "customer_id"],
          "transactions": ["transaction_id", "account_id"], "interactions_resolved": ["event_id", "customer_id"]}


def run_on_copies(builder: FeatureBuilder, root: Path, memory_limit: str, copies: int, dates: list[date], train_too: bool,
                  copied: bool = False) -> None:
    started = time.perf_counter()
    builder.analytics = DuckDBAnalyticalStore(root / "copies.duckdb", memory_limit)  # the builder now reads the copies
    connection = builder.analytics.connection
    connection.execute(f"ATTACH '{root / 'ws' / 'analytics.duckdb'}' AS bank (READ_ONLY)")
    for name, ids in {} if copied else COPIED.items():
        renamed = ", ".join(f"{column} || '~' || copy AS {column}" for column in ids)
        connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * REPLACE ({renamed}) FROM bank.{name}, range({copies}) AS copies(copy)")
    customers, transactions = connection.sql("SELECT (SELECT count(*) FROM golden), (SELECT count(*) FROM transactions)").fetchall()[0]
    print(f"{copies} copies: {customers:,} customers, {transactions:,} transactions, "
          f"{'reused' if copied else f'written in {time.perf_counter() - started:.0f}s'}")
    for as_of in dates:
        started = time.perf_counter()
        rows = builder.features_as_of(as_of).table
        print(f"as of {as_of}: {rows.num_rows:,} customers × {rows.num_columns - 1} features in {time.perf_counter() - started:.1f}s",
              flush=True)
        del rows
    if train_too:
        time_training_and_scoring(builder, root / "models", dates[-1])
    builder.analytics.close()


def time_training_and_scoring(builder: FeatureBuilder, registry: Path, as_of: date) -> None:
    started = time.perf_counter()
    meta = train(builder, as_of, registry / NEXT_BEST_PRODUCT)
    print(f"next-best-product training: {time.perf_counter() - started:.1f}s (learner {meta['learner']})", flush=True)
    started = time.perf_counter()
    train_attrition(builder, as_of, registry / ATTRITION)
    print(f"attrition training: {time.perf_counter() - started:.1f}s", flush=True)
    started = time.perf_counter()
    features = builder.features_as_of(as_of)
    print(f"scoring's features: {time.perf_counter() - started:.1f}s", flush=True)
    started = time.perf_counter()
    model, meta = load_model(registry / NEXT_BEST_PRODUCT, as_of)
    rows = recommend(builder, model, meta, as_of, k=3, features=features)
    print(f"scoring on those features: {len(rows):,} recommendations in {time.perf_counter() - started:.1f}s "
          f"(peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB, of a worker process "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20:.1f} GiB)", flush=True)


if __name__ == "__main__":
    main()
