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
