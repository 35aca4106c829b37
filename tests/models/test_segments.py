from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from savile.features import FeatureBuilder
from savile.features.online import load_snapshot, save_snapshot
from savile.models import Segmenter
from savile.workspace import Workspace


def test_segmenter_finds_the_groups_in_the_data_and_names_what_sets_them_apart() -> None:
    rng = np.random.default_rng(0)
    spenders = np.column_stack([rng.normal(5000, 300, 300), rng.normal(2, 1, 300)])
    savers = np.column_stack([rng.normal(100, 30, 300), rng.normal(40, 3, 300)])
    X = np.vstack([spenders, savers])
    with pytest.raises(NotFittedError):
        Segmenter().predict(X)
    segmenter = Segmenter(k_range=(2, 5)).fit(X, ["spend_90d", "savings_transfers_90d"], {"spend_90d": "card spending"})
    assert segmenter.k_ == 2
    labels = segmenter.predict(X)
    assert len(set(labels[:300])) == 1 and len(set(labels[300:])) == 1 and labels[0] != labels[-1]
    spending = next(s for s in segmenter.segments_ if s.label == labels[0])
    assert spending.size == 300 and spending.distinguishing[0][0] in {"spend_90d", "savings_transfers_90d"}
    assert "card spending" in spending.name or "savings_transfers_90d" in spending.name


def test_online_snapshot_holds_each_customers_latest_features(small_bank: Workspace) -> None:
    features = FeatureBuilder(small_bank.store, small_bank.analytics).features_as_of(date(2026, 10, 31))
    customer = features.table.column("customer_id")[0].as_py()
    assert save_snapshot(small_bank.store, features, {customer: "1: example"}) == features.table.num_rows
    snapshot = load_snapshot(small_bank.store, customer)
    assert snapshot is not None and snapshot["segment"] == "1: example" and snapshot["as_of"] == date(2026, 10, 31)
    assert snapshot["features"]["age_years"] == features.table.column("age_years")[0].as_py()
    assert load_snapshot(small_bank.store, "nobody") is None
