from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest

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


def test_attrition_risk_is_backtested_registered_and_learns_who_declines(small_bank, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from savile.features import FeatureBuilder
    from savile.models import at_risk, attrition_scores, load_attrition, train_attrition

    builder = FeatureBuilder(small_bank.store, small_bank.analytics)
    as_of = date(2026, 10, 31)
    meta = train_attrition(builder, as_of, tmp_path, snapshots=2)
    metrics = meta["metrics"]
    assert 0 < metrics["declined"] < metrics["customers"]
    assert metrics["auc"] > 0.5 and {"monitor_auc", "lift_top_tenth"} <= set(metrics)
    assert meta["snapshots"] == ["2026-07-31", "2026-08-31"] and meta["backtest_as_of"] == "2026-08-31"
    model, loaded = load_attrition(tmp_path, as_of)
    assert loaded["version"] == meta["version"]
    scores = attrition_scores(model, builder.features_as_of(as_of))
    flagged = at_risk(model, scores)
    assert flagged and all(risk >= 2 * model.base_rate_ for risk in flagged.values())
    assert set(flagged) < set(scores)


def test_attrition_risk_follows_the_estimator_contract_and_survives_json() -> None:
    from sklearn.exceptions import NotFittedError

    from savile.models import AttritionRisk

    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 4))
    y = (X[:, 2] + rng.normal(0, 0.5, 600) > 1).astype(int)
    with pytest.raises(NotFittedError):
        AttritionRisk().predict_proba(X)
    model = AttritionRisk(n_estimators=40).fit(X, y, ["a", "b", "c", "d"])
    p = model.predict_proba(X)
    assert p.shape == (600, 2) and np.allclose(p.sum(axis=1), 1)
    assert p[y == 1, 1].mean() > p[y == 0, 1].mean() + 0.3
    again = AttritionRisk.from_json(model.to_json())
    assert np.allclose(again.predict_proba(X), p) and list(again.feature_names_in_) == ["a", "b", "c", "d"]


def test_attrition_trains_on_a_uniform_sample_of_each_month_past_its_cap(small_bank) -> None:  # type: ignore[no-untyped-def]
    from savile.features import FeatureBuilder
    from savile.models.attrition import _labelled, decline_labels

    builder = FeatureBuilder(small_bank.store, small_bank.analytics)
    day = date(2026, 8, 31)
    whole, sample = _labelled(builder, day, most=10**9), _labelled(builder, day, most=60)
    assert len(decline_labels(small_bank.analytics, day)) > 60 and whole.features.table.num_rows > 60
    assert 50 <= sample.features.table.num_rows <= 60  # of the 60 drawn, those who held an open product that day
    assert set(sample.features.customers) < set(whole.features.customers)
    rows = {c: i for i, c in enumerate(whole.features.customers)}
    kept = [rows[c] for c in sample.features.customers]
    assert np.array_equal(sample.y, whole.y[kept])
    assert np.allclose(sample.X, whole.X[kept], equal_nan=True)  # the same features, whoever else is in the pass
