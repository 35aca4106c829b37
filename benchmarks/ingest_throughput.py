"""Ingest throughput for transactions from Parquet and CSV, and peak memory.

    python benchmarks/ingest_throughput.py [--rows 1000000 10000000] [--formats parquet csv]

Each measurement runs in a fresh process (so peak RSS is its own) on a fresh workspace.
The data is generated once per size with pyarrow: realistic columns, 50,000 accounts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ACCOUNTS = 50_000
CHUNK = 1_000_000


def make_folder(folder: Path, rows: int, fmt: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    accounts = [f"ACC{i:08d}" for i in range(ACCOUNTS)]
    (folder / "products.csv").write_text("product_code,name,category,is_credit\nCUR,Current,current_account,false\n")
    holdings = pa.table({"source": ["core"] * ACCOUNTS, "source_customer_id": [f"C{i}" for i in range(ACCOUNTS)],
                         "account_id": accounts, "product_code": ["CUR"] * ACCOUNTS, "opened_at": ["2020-01-01"] * ACCOUNTS})
    pacsv.write_csv(holdings, folder / "holdings.csv")
    rng = np.random.default_rng(1)
    writer = None
    merchants = np.array(["TESCO STORES LEEDS", "SAINSBURYS LONDON", "SHELL M1", "AMAZON MARKETPLACE", "GREGGS YORK"], dtype=object)
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        seconds = rng.integers(0, 365 * 86400, n).astype("timedelta64[s]") + np.datetime64("2025-01-01T00:00:00")
        table = pa.table({
            "transaction_id": [f"T{start + i:010d}" for i in range(n)],
            "account_id": np.array(accounts, dtype=object)[rng.integers(0, ACCOUNTS, n)],
            "booked_at": [s + "Z" for s in np.datetime_as_string(seconds, unit="s").tolist()],
            "amount": [f"{a:.2f}" for a in (-rng.lognormal(3, 1, n)).tolist()],
            "currency": ["GBP"] * n,
            "channel": ["card_pos"] * n,
            "mcc": np.array(["5411", "5812", "5541", "5964"], dtype=object)[rng.integers(0, 4, n)],
            "merchant_name": merchants[rng.integers(0, 5, n)],
            "description": merchants[rng.integers(0, 5, n)],
            "country": ["GB"] * n,
            "latitude": [f"{v:.5f}" for v in rng.uniform(50, 56, n).tolist()],
            "longitude": [f"{v:.5f}" for v in rng.uniform(-4, 1, n).tolist()],
        })
        if fmt == "parquet":
            writer = writer or pq.ParquetWriter(folder / "transactions.parquet", table.schema, compression="zstd")
        else:
            writer = writer or pacsv.CSVWriter(folder / "transactions.csv", table.schema)
        writer.write_table(table)
    writer.close()


def measure(folder: str, batch_rows: int) -> None:
    """Child process: ingest the folder, print one JSON line."""
    import resource

    from savile.workspace import init_workspace
    from savile.ingest import Ingestor

    workspace = init_workspace(Path(tempfile.mkdtemp(prefix="savile-bench-ws-")))
    report = Ingestor(workspace.store, workspace.analytics, batch_rows=batch_rows).ingest_folder(Path(folder))
    seconds = report.tables["transactions"].seconds  # the transactions file alone
    loaded = report.tables["transactions"].loaded
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": loaded, "seconds": round(seconds, 2), "rows_per_s": round(loaded / seconds), "peak_rss_mib": round(peak_mib)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    parser.add_argument("--batch-rows", type=int, default=250_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.batch_rows)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, batch {args.batch_rows:,} rows")
    print(f"{'format':<8} {'rows':>11} {'seconds':>8} {'rows/s':>9} {'peak MiB':>9}")
    for rows in args.rows:
        for fmt in args.formats:
            folder = Path(tempfile.mkdtemp(prefix=f"savile-bench-{fmt}-"))
            make_folder(folder, rows, fmt)
            command = [sys.executable, __file__, "--measure", str(folder), "--batch-rows", str(args.batch_rows)]
            out = subprocess.run(command, check=True, capture_output=True, text=True)
            shutil.rmtree(folder)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{fmt:<8} {result['rows']:>11,} {result['seconds']:>8} {result['rows_per_s']:>9,} {result['peak_rss_mib']:>9,}", flush=True)


if __name__ == "__main__":
    main()
