"""Attrition: a transaction-decline monitor (the last 30 days against the customer's own usual
month) and a registered model of the risk of such a decline in the next 30 days, backtested
against the monitor itself as the baseline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted

from savile.features import FeatureBuilder, FeatureSet, add_months
from savile.models._estimators import checked_input, name_features, restored
from savile.models.registry import newest, register

DECLINE_RATIO = 0.5  # the last 30 days below half of the usual month
MIN_BASELINE = 8  # transactions a month before a decline means anything
SNAPSHOTS = 3
CUSTOMERS_PER_SNAPSHOT = 100_000  # a uniform sample past this: enough for one model, and features cost by the customer
FLAG_LIFT = 2.0  # flagged when the risk is at least this many times the base rate


@dataclass(frozen=True)
class Decline:
    customer_id: str
    recent: float
    usual: float
    ratio: float


def transaction_decline(features: FeatureSet) -> list[Decline]:
    """Customers whose last 30 days fell below ``DECLINE_RATIO`` of their own usual month
    (the 60 days before those 30, per 30 days), among those with a usual month of ``MIN_BASELINE``."""
    customers, recent, usual = _activity(features)
    out = [Decline(customers[i], float(recent[i]), float(usual[i]), round(float(recent[i] / usual[i]), 3))
           for i in np.flatnonzero((usual >= MIN_BASELINE) & (recent < DECLINE_RATIO * usual))]
    return sorted(out, key=lambda d: d.ratio)


def _activity(features: FeatureSet) -> tuple[list[str], np.ndarray, np.ndarray]:
    recent = features.floats("txn_count_30d")
    return features.customers, recent, (features.floats("txn_count_90d") - recent) / 2


def decline_labels(analytics: Any, as_of: date) -> dict[str, int]:
    """1 for customers whose next 30 days fall below ``DECLINE_RATIO`` of their usual month
    (the 60 days before ``as_of``, per 30), among those with a usual month of ``MIN_BASELINE``."""
    end = datetime.combine(as_of + timedelta(days=1), time(), timezone.utc).isoformat()
    rows = analytics.run(f"""
        SELECT a.customer_id,
               count(*) FILTER (WHERE t.booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 60 DAY AND t.booked_at < TIMESTAMPTZ '{end}') / 2.0,
               count(*) FILTER (WHERE t.booked_at >= TIMESTAMPTZ '{end}' AND t.booked_at < TIMESTAMPTZ '{end}' + INTERVAL 30 DAY)
        FROM transactions t JOIN account_map a ON a.account_id = t.account_id
        WHERE t.booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 60 DAY AND t.booked_at < TIMESTAMPTZ '{end}' + INTERVAL 30 DAY
        GROUP BY a.customer_id""")
    return {customer: int(after < DECLINE_RATIO * usual) for customer, usual, after in rows if usual >= MIN_BASELINE}


class AttritionRisk(BaseEstimator):  # type: ignore[misc]
    """Probability that a customer's activity falls below half their usual month in the next 30
    days: gradient-boosted trees on the features of monthly snapshots. Follows scikit-learn's
    estimator contract; saved as LightGBM's text format."""

    def __init__(self, n_estimators: int = 200, learning_rate: float = 0.05, random_state: int = 0) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray, feature_names: list[str] | None = None) -> "AttritionRisk":
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=int)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} rows and y {len(y)}; they must agree.")
        name_features(self, X.shape[1], feature_names)
        self.base_rate_ = float(y.mean()) if len(y) else 0.0
        params = {"objective": "binary", "learning_rate": self.learning_rate, "num_leaves": 15, "min_child_samples": 50,
                  "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.5, "seed": self.random_state,
                  "verbose": -1, "num_threads": 2, "deterministic": True, "force_row_wise": True}
        self.booster_ = lgb.train(params, lgb.Dataset(X, y), num_boost_round=self.n_estimators) if 0 < y.sum() < len(y) else None
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Shape (n, 2): no decline, decline."""
        X = checked_input(self, X, "base_rate_")
        risk = np.full(len(X), self.base_rate_) if self.booster_ is None else self.booster_.predict(X)
        return np.column_stack([1 - risk, risk])

    def to_json(self) -> str:
        check_is_fitted(self, "base_rate_")
        return json.dumps({"params": self.get_params(), "feature_names": list(self.feature_names_in_), "base_rate": self.base_rate_,
                           "booster": None if self.booster_ is None else self.booster_.model_to_string()})

    @classmethod
    def from_json(cls, text: str) -> "AttritionRisk":
        data = json.loads(text)
        model = restored(cls, data)
        model.base_rate_ = float(data["base_rate"])
        model.booster_ = None if data["booster"] is None else lgb.Booster(model_str=data["booster"])
        return model


def train_attrition(builder: FeatureBuilder, as_of: date, registry: Path, snapshots: int = SNAPSHOTS,
                    customers_per_snapshot: int = CUSTOMERS_PER_SNAPSHOT) -> dict[str, Any]:
    """Backtest on the newest month whose next 30 days are known by ``as_of`` (trained on the
    months before it), then fit on the newest ``snapshots`` months and register the model. Each
    month is its labelled customers, or a uniform sample of ``customers_per_snapshot`` of them
    (which keeps the base rate the flags are measured against)."""
    days = [add_months(as_of, -k) for k in range(2, snapshots + 3)]  # newest first; each one's next 30 days end by as_of
    data = {day: _labelled(builder, day, customers_per_snapshot) for day in days}
    names = [f.name for f in builder.catalogue()]
    tried = AttritionRisk().fit(*_stack([data[d] for d in days[1:]]), names)
    metrics = _backtest(tried, data[days[0]])
    model = AttritionRisk().fit(*_stack([data[d] for d in days[:-1]]), names)
    return register(registry, as_of, model.to_json(), {
        "snapshots": [d.isoformat() for d in sorted(days[:-1])], "backtest_as_of": days[0].isoformat(), "metrics": metrics,
        "base_rate": model.base_rate_,
    })


def load_attrition(registry: Path, as_of: date) -> tuple[AttritionRisk, dict[str, Any]]:
    text, meta = newest(registry, as_of, "attrition-risk", f"savile train --as-of {as_of}")
    return AttritionRisk.from_json(text), meta


def attrition_scores(model: AttritionRisk, features: FeatureSet) -> dict[str, float]:
    risk = model.predict_proba(features.matrix(list(model.feature_names_in_)))[:, 1]
    return dict(zip(features.customers, (round(float(r), 4) for r in risk), strict=True))


def at_risk(model: AttritionRisk, scores: dict[str, float]) -> dict[str, float]:
    """The customers whose risk is at least ``FLAG_LIFT`` times the base rate the model learnt."""
    floor = FLAG_LIFT * model.base_rate_
    return {customer: risk for customer, risk in scores.items() if risk >= floor and floor > 0}


@dataclass
class _Labelled:
    features: FeatureSet
    X: np.ndarray
    y: np.ndarray


def _labelled(builder: FeatureBuilder, day: date, most: int) -> _Labelled:
    """Features of the customers ``decline_labels`` labels (those with a usual month), at most ``most`` of them."""
    labels = decline_labels(builder.analytics, day)
    customers = sorted(labels)
    if len(customers) > most:
        drawn = np.random.default_rng(day.toordinal()).choice(len(customers), size=most, replace=False)
        customers = [customers[i] for i in sorted(drawn)]
    features = builder.features_as_of(day, only=customers)  # only those who held an open product that day
    y = np.array([labels[c] for c in features.customers], dtype=int)
    return _Labelled(features, features.matrix(), y)


def _stack(parts: list[_Labelled]) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([p.X for p in parts]), np.concatenate([p.y for p in parts])


def _backtest(model: AttritionRisk, data: _Labelled) -> dict[str, Any]:
    """AUC of the model and of the monitor's own ratio (lower activity now, more risk), and how
    many times the base rate the riskiest tenth declines."""
    out: dict[str, Any] = {"customers": int(len(data.y)), "declined": int(data.y.sum())}
    if not 0 < data.y.sum() < len(data.y):
        return out
    risk = model.predict_proba(data.X)[:, 1]
    _, recent, usual = _activity(data.features)
    riskiest = np.argsort(-risk, kind="stable")[: max(1, len(risk) // 10)]
    out.update(auc=round(float(roc_auc_score(data.y, risk)), 4),
               monitor_auc=round(float(roc_auc_score(data.y, -recent / np.maximum(usual, 1e-9))), 4),
               lift_top_tenth=round(float(data.y[riskiest].mean() / data.y.mean()), 2))
    return out

