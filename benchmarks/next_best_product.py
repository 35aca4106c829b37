"""Next-best-product quality on the synthetic bank, against popularity and the oracle.

    python benchmarks/next_best_product.py --customers 5000 --months 12

The truth is the synth's adoptions in the month after the data ends (never seen by Savile) and
its true adoption probabilities (the oracle ranks by them). The oracle knows each person's
affinity for each product, which no data shows; ranking by the probabilities without it is the
best any model could do, printed as the ceiling. MAP@K is averaged over customers who adopted
something that month.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from savile.features import FeatureBuilder
from savile.identity import resolve
from savile.ingest import Ingestor
from savile.models import load_model, map_at_k, recommend, train
from savile.models.next_best_product import SNAPSHOTS
from savile.store.tables import customer_links
from savile.synth import synthesize
from savile.synth.bank import DEFAULT_END
from savile.workspace import find_workspace, init_workspace

TRUST = ["core_banking", "crm", "cards", "mobile_app", "contact_centre"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--built", type=Path, help="a folder of an earlier run (printed at its start): train and score its bank "
                        "again instead of building one (give the earlier run's --customers, --months and --seed for the printout)")
    args = parser.parse_args()
    root = args.built or Path(tempfile.mkdtemp(prefix="savile-nbp-"))
    print(f"bank and workspace in {root}", flush=True)
    started = time.perf_counter()
    if args.built:
        workspace, end = find_workspace(root / "ws"), DEFAULT_END
    else:
        end = synthesize(root / "bank", args.customers, args.months, args.seed).end
        workspace = init_workspace(root / "ws")
        Ingestor(workspace.store, workspace.analytics).ingest_folder(root / "bank")
        resolve(workspace.store, workspace.analytics, TRUST)
        started = _lap("synthesise, ingest, resolve", started)
    builder = FeatureBuilder(workspace.store, workspace.analytics)
    builder.features_as_of(end)
    started = _lap("features (one date)", started)
    meta = train(builder, end, root / "models")
    started = _lap(f"train ({SNAPSHOTS} snapshots and the backtest month; a backtest per learner, then the final fit)", started)
    print(f"learner chosen: {meta['learner']}; backtest MAP@3 " + ", ".join(f"{n} {m['map@3']:.4f}" for n, m in meta["learners"].items()))
    model, meta = load_model(root / "models", end)
    rows = recommend(builder, model, meta, end, k=7)
    _lap("recommend", started)

    person_of = _person_of_customer(workspace, root / "bank" / "truth" / "identities.parquet")
    adopted: dict[str, set[str]] = {}
    for row in pq.read_table(root / "bank" / "truth" / "adoptions_next_month.parquet").to_pylist():
        adopted.setdefault(row["person_id"], set()).add(row["product_code"])
    truth_p: dict[str, list[tuple[float, str]]] = {}
    seen_p: dict[str, list[tuple[float, str]]] = {}
    for row in pq.read_table(root / "bank" / "truth" / "adoption_probabilities.parquet").to_pylist():
        truth_p.setdefault(row["person_id"], []).append((float(row["probability"]), row["product_code"]))
        seen_p.setdefault(row["person_id"], []).append((float(row["probability_without_affinity"]), row["product_code"]))
    ours: dict[str, list[str]] = {}
    for row in rows:
        ours.setdefault(row["customer_id"], []).append(row["product_code"])
    customers = sorted(ours)
    actual = {c: adopted.get(person_of.get(c, ""), set()) for c in customers}
    oracle = {c: [code for _, code in sorted(truth_p.get(person_of.get(c, ""), []), reverse=True)] for c in customers}
    ceiling = {c: [code for _, code in sorted(seen_p.get(person_of.get(c, ""), []), reverse=True)] for c in customers}
    rates = meta["metrics"]  # the backtest month's model and popularity figures come from train()
    print(f"synth {args.customers:,} people × {args.months} months, seed {args.seed}; {len(customers):,} customers scored, "
          f"{sum(1 for a in actual.values() if a):,} adopted in the month after the data")
    for k in (3, 7):
        model_map, oracle_map, ceiling_map = map_at_k(ours, actual, k), map_at_k(oracle, actual, k), map_at_k(ceiling, actual, k)
        print(f"MAP@{k}: model {model_map:.4f}  oracle {oracle_map:.4f}  ratio {model_map / oracle_map:.3f}  "
              f"(ceiling without affinity {ceiling_map:.4f}, ratio {ceiling_map / oracle_map:.3f})  "
              f"(backtest month: model {rates[f'map@{k}']:.4f}, popularity {rates[f'popularity_map@{k}']:.4f})")


def _lap(stage: str, started: float) -> float:
    """Print how long the stage took, as it ends (a large run takes a while); the next stage starts now."""
    print(f"{stage}: {time.perf_counter() - started:.1f}s", flush=True)
    return time.perf_counter()


def _person_of_customer(workspace, identities: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    person = {(r["source"], r["source_customer_id"]): r["person_id"] for r in pq.read_table(identities).to_pylist()}
    votes: dict[str, Counter[str]] = {}
    with workspace.store.begin() as connection:
        for row in connection.execute(sa.select(customer_links)):
            votes.setdefault(row.customer_id, Counter())[person[(row.source, row.source_customer_id)]] += 1
    return {customer: count.most_common(1)[0][0] for customer, count in votes.items()}


if __name__ == "__main__":
    main()
