from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from savile.features import FeatureSet
from savile.models import lifetime_value, lookalikes, transaction_decline

PRODUCTS = [{"product_code": "MORT", "annual_value": 1200}, {"product_code": "CUR", "annual_value": 50}]


def _features(rows: int = 200, seed: int = 0) -> FeatureSet:
    rng = np.random.default_rng(seed)
    rich = np.arange(rows) < rows // 10
    return FeatureSet(date(2026, 1, 31), pa.table({
        "customer_id": [f"c{i}" for i in range(rows)],
        "held_mort_lag0": rich.astype(int),
        "held_cur_lag0": np.ones(rows, dtype=int),
        "txn_count_30d": np.r_[[2, 30], rng.integers(20, 40, rows - 2)],
        "txn_count_90d": np.r_[[62, 90], rng.integers(60, 120, rows - 2)],
        "txn_travel_spend_90d": np.where(rich, 3000, 0) + rng.normal(0, 50, rows) + np.where(np.arange(rows) == 25, 2900, 0),
    }))


def test_decline_flags_activity_well_below_the_customers_own_month() -> None:
    declining = transaction_decline(_features())
    assert declining[0].customer_id == "c0" and declining[0].usual == 30 and declining[0].ratio < 0.1
    assert "c1" not in {d.customer_id for d in declining}


def test_lifetime_value_adds_the_value_of_what_is_held() -> None:
    value = lifetime_value(_features(), PRODUCTS)
    assert value[0] == (1200 + 50) * 5 and value[-1] == 50 * 5


def test_lookalikes_resemble_the_valuable_but_are_not_among_them() -> None:
    ranked = lookalikes(_features(), PRODUCTS)
    customers = [c for c, _ in ranked]
    assert not {f"c{i}" for i in range(20)} & set(customers)
    assert customers[0] == "c25"  # spends on travel like the valuable tenth


def test_attrition_risk_learns_who_declines_next_month(small_bank) -> None:  # type: ignore[no-untyped-def]
    from savile.features import FeatureBuilder, add_months
    from savile.models import AttritionRisk, decline_labels
    from savile.models.next_best_product import feature_matrix

    builder = FeatureBuilder(small_bank.store, small_bank.analytics)
    X_parts, y_parts = [], []
    for months_back in (2, 3, 4):
        day = add_months(date(2026, 10, 31), -months_back)
        features = builder.features_as_of(day)
        labels = decline_labels(small_bank.analytics, day)
        keep = [i for i, c in enumerate(features.table.column("customer_id").to_pylist()) if c in labels]
        X_parts.append(feature_matrix(features)[keep])
        y_parts.append([labels[features.table.column("customer_id")[i].as_py()] for i in keep])
    X, y = np.vstack(X_parts), np.concatenate(y_parts)
    assert 0 < y.mean() < 0.5
    model = AttritionRisk(n_estimators=50).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    assert p[y == 1].mean() > p[y == 0].mean()
