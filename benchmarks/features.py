"""Feature pipeline speed: seconds per as-of date on a synthetic bank.

    python benchmarks/features.py --customers 10000 --months 12 --dates 3

Builds the bank (synthesise, ingest, resolve; not timed), then computes every feature for the
last ``--dates`` month ends and prints the seconds each took and the rows read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from savile.features import FeatureBuilder
from savile.features.pipeline import add_months
from savile.identity import resolve
from savile.ingest import Ingestor
from savile.synth import synthesize
from savile.workspace import init_workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--dates", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="savile-features-"))
    started = time.perf_counter()
    synthesize(root / "bank", customers=args.customers, months=args.months, seed=args.seed)
    workspace = init_workspace(root / "ws")
    Ingestor(workspace.store, workspace.analytics).ingest_folder(root / "bank")
    resolve(workspace.store, workspace.analytics, workspace.settings.source_trust)
    print(f"bank built in {time.perf_counter() - started:.0f}s")
    connection = workspace.analytics.connection
    transactions, newest = connection.sql("SELECT count(*), max(booked_at)::DATE FROM transactions").fetchall()[0]
    interactions = connection.sql("SELECT count(*) FROM interactions_resolved").fetchall()[0][0]
    print(f"{args.customers:,} people, {transactions:,} transactions, {interactions:,} interactions")
    builder = FeatureBuilder(workspace.store, workspace.analytics)
    first_of_newest_month = newest.replace(day=1)
    for back in range(args.dates - 1, -1, -1):  # the month ends before the newest transaction, oldest first
        as_of = add_months(first_of_newest_month, -back) - timedelta(days=1)
        started = time.perf_counter()
        features = builder.features_as_of(as_of)
        print(f"as of {as_of}: {features.table.num_rows:,} customers × {features.table.num_columns - 1} features "
              f"in {time.perf_counter() - started:.1f}s")
    workspace.close()


if __name__ == "__main__":
    main()
