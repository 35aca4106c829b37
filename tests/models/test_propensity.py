from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from savile.models import ProductPropensity, average_precision_at_k, map_at_k


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3000, 4))
    Y = np.column_stack([rng.random(3000) < 1 / (1 + np.exp(-(2 * X[:, 0] - 2))), rng.random(3000) < 0.001]).astype(int)
    return X, Y


def test_propensity_follows_the_estimator_contract() -> None:
    X, Y = _data()
    model = ProductPropensity(n_estimators=30)
    with pytest.raises(NotFittedError):
        model.predict_proba(X)
    assert ProductPropensity().fit(X, np.zeros_like(Y)).predict_proba(X[:2]).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(NotFittedError):
        model.predict_proba(X)
    assert model.fit(X, Y, feature_names=["a", "b", "c", "d"]) is model
    assert model.n_features_in_ == 4 and list(model.feature_names_in_) == ["a", "b", "c", "d"]
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (3000, 2) and ((0 <= probabilities) & (probabilities <= 1)).all()
    assert probabilities[:, 1].mean() < probabilities[:, 0].mean() / 5  # a product almost nobody adopts stays unlikely
    assert model.get_params()["n_estimators"] == 30
    with pytest.raises(ValueError, match="fitted with 4"):
        model.predict_proba(X[:, :3])


def test_propensity_learns_the_signal_and_its_importance() -> None:
    X, Y = _data()
    model = ProductPropensity(n_estimators=50).fit(X, Y, feature_names=["signal", "n1", "n2", "n3"])
    p = model.predict_proba(X)[:, 0]
    assert p[X[:, 0] > 1].mean() > 3 * p[X[:, 0] < 0].mean()
    assert next(iter(model.feature_importance())) == "signal"
    assert model.contributions(X[:5], 0).shape == (5, 4)


def test_propensity_survives_a_json_round_trip() -> None:
    X, Y = _data(1)
    model = ProductPropensity(n_estimators=20).fit(X, Y)
    again = ProductPropensity.from_json(model.to_json())
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X))


def test_map_at_k() -> None:
    assert average_precision_at_k(["a", "b"], {"a", "b"}, 3) == 1.0
    assert map_at_k({"c1": ["x", "a"], "c2": ["b"]}, {"c1": {"a"}, "c2": set()}, 3) == 0.5
