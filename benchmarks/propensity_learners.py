"""Next-best-product learners at scale: fit and scoring time and peak memory on a synthetic matrix.

    python benchmarks/propensity_learners.py --customers 1000000

The full pipeline (benchmarks/next_best_product.py) cannot reach a million customers in
reasonable time, so this measures the learners alone, on the shape ``train`` gives them at that
size: ``SNAPSHOTS`` monthly snapshots of every adopter and a quarter of the others (about 27 % of the base
each), 340 features, 11 products, about 0.4 % adopting each product a month. Features and labels are
random with a planted signal; the quality figures live in docs/benchmarks.md, not here.
That shape predates the per-snapshot cap on non-adopters (``NON_ADOPTERS_MOST``): ``train`` now
hands the learners about a third of these rows at 1M, so this is an upper bound.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from savile.models import LinearPropensity, ProductPropensity
from savile.models.next_best_product import SNAPSHOTS

FEATURES, PRODUCTS, KEPT, ADOPTING = 340, 11, 0.27, 0.004


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--learners", default="linear,lightgbm")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = int(args.customers * KEPT * SNAPSHOTS)
    X, Y, eligible = _training_matrix(rng, rows)
    print(f"{args.customers:,} customers: {rows:,} training rows × {FEATURES} features ({X.nbytes / 1e9:.1f} GB), "
          f"{int(Y.sum()):,} adoptions; peak RSS so far {_peak_gb():.1f} GB", flush=True)
    scoring = rng.normal(size=(args.customers, FEATURES)).astype(np.float32)
    names = ["age_years", *[f"x{i}" for i in range(1, FEATURES)]]
    for name in args.learners.split(","):
        model = {"linear": LinearPropensity, "lightgbm": ProductPropensity}[name]()
        started = time.perf_counter()
        model.fit(X, Y, eligible, names, sample_weight=np.where(Y.any(axis=1), 1.0, 1 / 0.25))
        fitted = time.perf_counter()
        model.predict_proba(scoring)
        print(f"{name}: fit {fitted - started:.0f}s, scoring {args.customers:,} customers × {PRODUCTS} products "
              f"{time.perf_counter() - fitted:.0f}s; peak RSS {_peak_gb():.1f} GB", flush=True)


def _training_matrix(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = rng.normal(size=(rows, FEATURES)).astype(np.float32)
    X[:, 0] = rng.uniform(18, 90, rows)  # age
    effect = rng.normal(0, 0.3, size=(8, PRODUCTS))  # eight features carry the signal
    logit = np.log(ADOPTING / (1 - ADOPTING)) + X[:, 1:9] @ effect
    Y = (rng.random((rows, PRODUCTS)) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    eligible = rng.random((rows, PRODUCTS)) < 0.75  # about a quarter held already
    return X, Y & eligible, eligible


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kilobytes on Linux


if __name__ == "__main__":
    main()
