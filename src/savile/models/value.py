"""Attrition (transaction decline against the customer's own baseline, and the risk of one),
lifetime value and high-value lookalikes, from the features of one date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import lightgbm as lgb
import numpy as np
import pyarrow as pa
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from savile.features import FeatureSet
from savile.features.catalogue import slugs

DECLINE_RATIO = 0.5  # the last 30 days below half of the usual month
MIN_BASELINE = 8  # transactions a month before a decline means anything
EXPECTED_YEARS = 5.0  # horizon of the simple lifetime value


@dataclass(frozen=True)
class Decline:
    customer_id: str
    recent: float
    usual: float
    ratio: float


def transaction_decline(features: FeatureSet) -> list[Decline]:
    """Customers whose last 30 days fell below ``DECLINE_RATIO`` of their own usual month
    (the 90 days before those 30), among those with a usual month of ``MIN_BASELINE`` or more."""
    t = features.table
    recent = _column(t, "txn_count_30d")
    usual = (_column(t, "txn_count_90d") - recent) / 2  # days 31-90, per 30 days
    out = []
    for i, customer in enumerate(t.column("customer_id").to_pylist()):
        if usual[i] >= MIN_BASELINE and recent[i] < DECLINE_RATIO * usual[i]:
            out.append(Decline(customer, float(recent[i]), float(usual[i]), round(float(recent[i] / usual[i]), 3)))
    return sorted(out, key=lambda d: d.ratio)


def lifetime_value(features: FeatureSet, products: list[dict[str, Any]]) -> np.ndarray:
    """Annual value of the products held now, over ``EXPECTED_YEARS``: simple on purpose."""
    slug_of = slugs([p["product_code"] for p in products])
    value = np.zeros(features.table.num_rows)
    for product in products:
        held = np.nan_to_num(_column(features.table, f"held_{slug_of[product['product_code']]}_lag0"))
        value += held * float(product["annual_value"] or 0)
    return value * EXPECTED_YEARS


def lookalikes(features: FeatureSet, products: list[dict[str, Any]], top_share: float = 0.1) -> list[tuple[str, float]]:
    """Customers who resemble the most valuable ``top_share`` but are not among them, most alike first.

    A logistic model learns "is high value" from behaviour, leaving out what is held (which
    defines value); its score on everyone else is the resemblance.
    """
    value = lifetime_value(features, products)
    cut = np.quantile(value, 1 - top_share)
    high = value >= cut if cut > 0 else value > 0
    names = features.names
    behaviour = [i for i, n in enumerate(names) if not n.startswith(("held_", "opened_", "closed_"))]
    X = np.nan_to_num(np.column_stack([_column(features.table, names[i]) for i in behaviour]))
    X = np.sign(X) * np.log1p(np.abs(X))
    if high.all() or not high.any():
        return []
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, high)
    scores = model.predict_proba(X)[:, 1]
    customers = features.table.column("customer_id").to_pylist()
    return sorted(((customers[i], round(float(scores[i]), 4)) for i in np.flatnonzero(~high)), key=lambda r: -r[1])


def _column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


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
    days: a gradient-boosted classifier on the features of monthly snapshots."""

    def __init__(self, n_estimators: int = 200, learning_rate: float = 0.05, random_state: int = 0) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> "AttritionRisk":
        self.model_ = lgb.LGBMClassifier(n_estimators=self.n_estimators, learning_rate=self.learning_rate, num_leaves=15,
                                         min_child_samples=50, subsample=0.8, subsample_freq=1, colsample_bytree=0.5,
                                         random_state=self.random_state, verbose=-1, n_jobs=2)
        self.model_.fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=int))
        self.n_features_in_ = self.model_.n_features_in_
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(np.asarray(X, dtype=np.float64))


def attrition_risk(builder: Any, as_of: date, snapshots: int = 3) -> list[tuple[str, float]]:
    """Train on the snapshots whose next 30 days are known by ``as_of``; score everyone at ``as_of``."""
    from savile.features import add_months
    from savile.models.next_best_product import feature_matrix

    X_parts, y_parts = [], []
    for months_back in range(2, snapshots + 2):  # the 30 days after each end before as_of
        day = add_months(as_of, -months_back)
        features = builder.features_as_of(day)
        labels = decline_labels(builder.analytics, day)
        customers = features.table.column("customer_id").to_pylist()
        keep = [i for i, c in enumerate(customers) if c in labels]
        X_parts.append(feature_matrix(features)[keep])
        y_parts.append([labels[customers[i]] for i in keep])
    y = np.concatenate(y_parts) if y_parts else np.array([])
    if len(y) == 0 or y.min() == y.max():
        return []
    model = AttritionRisk().fit(np.vstack(X_parts), y)
    now = builder.features_as_of(as_of)
    scores = model.predict_proba(feature_matrix(now))[:, 1]
    return sorted(zip(now.table.column("customer_id").to_pylist(), (round(float(s), 4) for s in scores), strict=True),
                  key=lambda item: -item[1])
