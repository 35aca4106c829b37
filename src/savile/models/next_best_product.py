"""Train, backtest, register and apply the next-best-product model."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from sklearn.metrics import roc_auc_score

from savile.exceptions import NotFoundError
from savile.features import FeatureBuilder, FeatureSet, add_months
from savile.features.catalogue import slugs
from savile.models.linear_propensity import LinearPropensity
from savile.models.propensity import ProductPropensity
from savile.models.ranking import map_at_k
from savile.models.registry import newest, register

SNAPSHOTS = 8  # monthly snapshots of training data: 6 → 8 raised MAP@3 by 0.003–0.009, 9 no further (docs/benchmarks.md)
Propensity = ProductPropensity | LinearPropensity
# The learners the backtest chooses between, by name. Ties go to the first.
LEARNERS: dict[str, type[Propensity]] = {"linear": LinearPropensity, "lightgbm": ProductPropensity}
NON_ADOPTERS_KEPT = 0.25  # of the customers who adopted nothing in a snapshot's month, the share that trains
# ...and at most this many of them: both learners cap their rows near 300,000 in all, so at 1M
# customers most of a quarter of the base (2M rows) had its features computed to be discarded.
# A bank of 100,000 keeps its quarter (under 25,000); at 1M the nine feature dates of a training
# run were 305 s of its 867 s with 50,000.
NON_ADOPTERS_MOST = 25_000

log = structlog.get_logger(__name__)


@dataclass
class Snapshot:
    customers: list[str]
    X: np.ndarray
    Y: np.ndarray
    eligible: np.ndarray
    weight: np.ndarray  # how many customers of the month each row stands for
    population: int  # customers in the month before sampling


def snapshot(builder: FeatureBuilder, as_of: date, labels_until: date | None = None,
             non_adopters_kept: float = NON_ADOPTERS_KEPT, non_adopters_most: int = NON_ADOPTERS_MOST) -> Snapshot:
    """Features at ``as_of`` and the adoptions after it until ``labels_until`` (a month later by
    default): every customer who adopted something and a fixed random share of the others (at
    most about ``non_adopters_most`` of them), weighted back up. Adoptions are rare, so this keeps
    nearly all that can be learnt while bounding memory by the adopters, not the base.
    The sample is drawn first and features are computed for it alone (a quarter of the base at most)."""
    population = builder.population(as_of)
    adopted = builder.adoptions_after(as_of, labels_until)
    adopters = set(adopted.column("customer_id").to_pylist())
    others = len(population) - len(adopters.intersection(population))
    share = min(non_adopters_kept, non_adopters_most / others) if others else non_adopters_kept
    drawn = np.random.default_rng(as_of.toordinal()).random(len(population)) < share
    features = builder.features_as_of(as_of, only=[c for c, kept in zip(population, drawn, strict=True) if kept or c in adopters])
    customers = features.customers
    held = _held(features, builder.product_codes)
    Y = np.zeros_like(held, dtype=np.int8)
    position = {c: i for i, c in enumerate(customers)}
    index = {code: j for j, code in enumerate(builder.product_codes)}
    for customer, code in zip(adopted.column("customer_id").to_pylist(), adopted.column("product_code").to_pylist(), strict=True):
        if customer in position and code in index:
            Y[position[customer], index[code]] = 1
    X = features.matrix().astype(np.float32)  # LightGBM bins features anyway: half the memory, same model
    eligible = ~held & _age_eligible(features, builder.products)
    return Snapshot(customers, X, Y, eligible, np.where(Y.any(axis=1), 1.0, 1.0 / share), len(population))


def train(builder: FeatureBuilder, as_of: date, registry: Path, snapshots: int = SNAPSHOTS) -> dict[str, Any]:
    """Backtest every learner on the last labelled month, then fit the one with the best MAP@3 on
    every snapshot whose labels are known by ``as_of``; register the model with its window, the
    backtest metrics of each learner and feature importance. Which learner ranks better depends
    on the bank: the sparse logistic model on the synthetic bank, trees where effects interact."""
    names = [f.name for f in builder.catalogue()]
    windows = label_windows(as_of, snapshots + 1)
    dates = [day for day, _ in windows]  # newest first
    with _stage("training snapshots") as logged:
        data = {day: snapshot(builder, day, until) for day, until in windows}
        logged.update(snapshots=len(data), rows=sum(len(s.customers) for s in data.values()))
    older = [data[d] for d in dates[1:]]
    stacked = _stacked(older)  # once for every learner: at a million customers it is gigabytes
    backtests = {}
    for name, learner in LEARNERS.items():
        with _stage("backtest", learner=name) as logged:
            backtests[name] = evaluate(_fit(learner(), stacked, names), data[dates[0]], builder.product_codes, popularity_from=older)
            logged["map_at_3"] = backtests[name]["map@3"]
    del stacked
    chosen = max(backtests, key=lambda name: backtests[name]["map@3"])  # max keeps the first of equals
    with _stage("final fit", learner=chosen):
        model = _fit(LEARNERS[chosen](), _stacked([data[d] for d in dates[:-1]]), names)
    return register(registry, as_of, model.to_json(), {
        "snapshots": [d.isoformat() for d in sorted(dates[:-1])], "backtest_month_after": dates[0].isoformat(),
        "products": builder.product_codes, "learner": chosen, "metrics": backtests[chosen],
        "learners": {name: {k: v for k, v in metrics.items() if k.startswith("map@")} for name, metrics in backtests.items()},
        "feature_importance": dict(list(model.feature_importance().items())[:30]),
    })


@contextlib.contextmanager
def _stage(name: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Logs a stage of training with its seconds and the fields the caller adds (at a million
    customers training takes minutes, and which stage is slow is the first question)."""
    started = time.perf_counter()
    yield fields
    log.info(name, seconds=round(time.perf_counter() - started, 1), **fields)


def label_windows(as_of: date, count: int) -> list[tuple[date, date]]:
    """(snapshot date, end of its labels), newest first: month by month back from ``as_of``, each
    snapshot's labels ending where the next one starts, the newest at ``as_of``. From 31 October
    the snapshots are 30 September, 31 August...; a label window of "a month after 30 September"
    would end on 30 October and lose the adoptions of 31 October."""
    dates = [add_months(as_of, -k) for k in range(1, count + 1)]
    return list(zip(dates, [as_of, *dates[:-1]], strict=True))


def _stacked(parts: list[Snapshot]) -> Snapshot:
    """The snapshots as one, one under the other."""
    return Snapshot([c for p in parts for c in p.customers], np.vstack([p.X for p in parts]), np.vstack([p.Y for p in parts]),
                    np.vstack([p.eligible for p in parts]), np.concatenate([p.weight for p in parts]), sum(p.population for p in parts))


def _fit(model: Propensity, data: Snapshot, names: list[str]) -> Propensity:
    return model.fit(data.X, data.Y, data.eligible, names, sample_weight=data.weight)


def evaluate(model: Propensity, data: Snapshot, products: list[str], popularity_from: list[Snapshot]) -> dict[str, Any]:
    scores = np.where(data.eligible, model.predict_proba(data.X), -1.0)
    adoption = np.average(np.vstack([p.Y for p in popularity_from]), axis=0, weights=np.concatenate([p.weight for p in popularity_from]))
    popular = np.where(data.eligible, np.broadcast_to(adoption, scores.shape), -1.0)
    actual = {c: {products[j] for j in np.flatnonzero(data.Y[i])} for i, c in enumerate(data.customers)}
    out: dict[str, Any] = {"customers": data.population, "adopters": sum(1 for a in actual.values() if a)}
    for k in (3, 7):
        out[f"map@{k}"] = round(map_at_k(_top(scores, data.customers, products, k), actual, k), 4)
        out[f"popularity_map@{k}"] = round(map_at_k(_top(popular, data.customers, products, k), actual, k), 4)
    aucs = {}
    for j, code in enumerate(products):
        rows = data.eligible[:, j]
        if rows.any() and 0 < data.Y[rows, j].sum() < rows.sum():
            aucs[code] = round(float(roc_auc_score(data.Y[rows, j], scores[rows, j], sample_weight=data.weight[rows])), 4)
    out["auc"] = aucs
    return out


def _top(scores: np.ndarray, customers: list[str], products: list[str], k: int) -> dict[str, list[str]]:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return {c: [products[j] for j in order[i] if scores[i, j] >= 0] for i, c in enumerate(customers)}


def load_model(registry: Path, as_of: date) -> tuple[Propensity, dict[str, Any]]:
    """The newest model trained as of ``as_of`` or earlier."""
    text, meta = newest(registry, as_of, "next-best-product", f"savile train --as-of {as_of}")
    return LEARNERS[meta.get("learner", "lightgbm")].from_json(text), meta  # models from before the choice are LightGBM


def recommend(builder: FeatureBuilder, model: Propensity, meta: dict[str, Any], as_of: date, k: int,
              explain: int = 0, features: FeatureSet | None = None) -> list[dict[str, Any]]:
    """Up to ``k`` products per customer holding an open product at ``as_of``, never one they hold.
    ``features``: the date's features when the caller has computed them already (a batch that
    also refreshes profiles); computed here otherwise."""
    if features is None:
        features = builder.features_as_of(as_of)
    elif features.as_of != as_of:
        raise ValueError(f"The features are as of {features.as_of}, not {as_of}.")
    names = list(model.feature_names_in_)
    customers, X, scores, eligible = propensities(builder, model, meta, features)
    scores = np.where(eligible, scores, -1.0)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    chosen = [(i, j) for i in range(len(customers)) for j in order[i] if scores[i, j] >= 0]  # ranked, per customer
    reasons = explain_scores(model, X, names, chosen, explain) if explain else {}
    rows, rank = [], 0
    for position, (i, j) in enumerate(chosen):
        rank = rank + 1 if position and chosen[position - 1][0] == i else 1
        row = {"customer_id": customers[i], "rank": rank, "product_code": builder.product_codes[j], "score": round(float(scores[i, j]), 6)}
        if explain:
            row["reasons"] = reasons[(i, j)]
        rows.append(row)
    return rows


def propensities(builder: FeatureBuilder, model: Propensity, meta: dict[str, Any],
                 features: FeatureSet) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(customers, feature matrix, calibrated propensity per product, eligible: not held and of age).
    Features are matched by name: one the model knew but the data no longer has (a page nobody
    visits any more) is missing, as LightGBM handles; a new one waits for the next training."""
    if builder.product_codes != meta["products"]:
        raise NotFoundError("The bank's products changed since this model was trained. Run savile train again.")
    X = features.matrix(list(model.feature_names_in_))
    eligible = ~_held(features, builder.product_codes) & _age_eligible(features, builder.products)
    return features.customers, X, model.predict_proba(X), eligible


def explain_scores(model: Propensity, X: np.ndarray, names: list[str], chosen: list[tuple[int, int]], top: int) -> dict[tuple[int, int], str]:
    """The features that pushed each recommended product up most (SHAP), computed only for the
    customers it is recommended to."""
    out = {}
    for j in sorted({j for _, j in chosen}):
        customers = [i for i, product in chosen if product == j]
        contributions = model.contributions(X[customers], j)
        for row, i in enumerate(customers):
            best = np.argsort(-contributions[row])[:top]
            out[(i, j)] = "; ".join(f"{names[f]}={_fmt(X[i, f])}" for f in best if contributions[row, f] > 0)
    return out


def _held(features: FeatureSet, product_codes: list[str]) -> np.ndarray:
    slug_of = slugs(product_codes)
    held = [np.nan_to_num(features.floats(f"held_{slug_of[code]}_lag0")) > 0 for code in product_codes]
    return np.column_stack(held) if held else np.zeros((features.table.num_rows, 0), dtype=bool)


def _age_eligible(features: FeatureSet, products: list[dict[str, Any]]) -> np.ndarray:
    age = features.floats("age_years")
    columns = []
    for product in products:
        ok = np.ones(len(age), dtype=bool)
        if product["min_age"] is not None:
            ok &= ~(age < product["min_age"])  # unknown age: not excluded here; decisions check eligibility again
        if product["max_age"] is not None:
            ok &= ~(age > product["max_age"])
        columns.append(ok)
    return np.column_stack(columns) if columns else np.zeros((len(age), 0), dtype=bool)


def _fmt(value: float) -> str:
    return "missing" if np.isnan(value) else (f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}")
