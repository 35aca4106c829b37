"""Attrition (transaction decline against the customer's own baseline), lifetime value and
high-value lookalikes, from the features of one date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from savile.features import FeatureSet
from savile.features.catalogue import product_slugs

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
    slugs = product_slugs([p["product_code"] for p in products])
    value = np.zeros(features.table.num_rows)
    for product in products:
        held = np.nan_to_num(_column(features.table, f"held_{slugs[product['product_code']]}_lag0"))
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
