"""Lifetime value and high-value lookalikes, from the features of one date."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from savile.features import FeatureSet
from savile.features.catalogue import slugs

EXPECTED_YEARS = 5.0  # horizon of the simple lifetime value


def lifetime_value(features: FeatureSet, products: list[dict[str, Any]]) -> np.ndarray:
    """Annual value of the products held now, over ``EXPECTED_YEARS``: simple on purpose."""
    slug_of = slugs([p["product_code"] for p in products])
    value = np.zeros(features.table.num_rows)
    for product in products:
        held = np.nan_to_num(features.floats(f"held_{slug_of[product['product_code']]}_lag0"))
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
    X = np.nan_to_num(np.column_stack([features.floats(names[i]) for i in behaviour]))
    X = np.sign(X) * np.log1p(np.abs(X))
    if high.all() or not high.any():
        return []
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, high)
    scores = model.predict_proba(X)[:, 1]
    customers = features.customers
    return sorted(((customers[i], round(float(scores[i]), 4)) for i in np.flatnonzero(~high)), key=lambda r: -r[1])

