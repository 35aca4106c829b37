"""Next-best-product propensity: one calibrated LightGBM classifier per product.

Follows scikit-learn's estimator contract: ``__init__`` stores parameters, ``fit`` returns
``self`` and sets the trailing-underscore attributes, ``predict_proba`` refuses to run unfitted.
"""

from __future__ import annotations

import json
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

MIN_POSITIVES = 5  # fewer adoptions than this: the product keeps its base rate


class ProductPropensity(BaseEstimator):  # type: ignore[misc]
    """Probability that a customer adopts each product next month.

    ``fit(X, Y, eligible)``: ``Y[i, j]`` is 1 when row ``i`` adopted product ``j``; rows where
    ``eligible[i, j]`` is False (the product was already held) do not train product ``j``.
    A fifth of each product's rows (by a fixed seed) calibrates its scores: Platt scaling, which
    is monotone, so calibration never reorders customers (isotonic steps tie them when adoptions
    are rare).
    """

    def __init__(self, n_estimators: int = 150, learning_rate: float = 0.05, num_leaves: int = 15,
                 min_child_samples: int = 50, random_state: int = 0) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state

    def fit(self, X: np.ndarray, Y: np.ndarray, eligible: np.ndarray | None = None,
            feature_names: list[str] | None = None) -> "ProductPropensity":
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y)
        eligible = np.ones_like(Y, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
        if X.shape[0] != Y.shape[0] or Y.shape != eligible.shape:
            raise ValueError(f"X has {X.shape[0]} rows, Y has shape {Y.shape} and eligible {eligible.shape}; they must agree.")
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.array(feature_names or [f"x{i}" for i in range(X.shape[1])], dtype=object)
        self.boosters_: list[lgb.Booster | None] = []
        self.calibrators_: list[tuple[float, float] | None] = []
        self.base_rates_ = np.zeros(Y.shape[1])
        for j in range(Y.shape[1]):
            rows = np.flatnonzero(eligible[:, j])
            y = Y[rows, j].astype(int)
            self.base_rates_[j] = y.mean() if len(y) else 0.0
            if y.sum() < MIN_POSITIVES or y.sum() == len(y):
                self.boosters_.append(None)
                self.calibrators_.append(None)
                continue
            calibrate = rng.random(len(rows)) < 0.2
            booster = lgb.train(self._params(), lgb.Dataset(X[rows[~calibrate]], y[~calibrate], free_raw_data=True),
                                num_boost_round=self.n_estimators)
            calibrator = _platt(booster.predict(X[rows[calibrate]]), y[calibrate])
            self.boosters_.append(booster)
            self.calibrators_.append(calibrator)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Shape (n, products): calibrated probability of adopting each product."""
        check_is_fitted(self, "boosters_")
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but ProductPropensity was fitted with {self.n_features_in_}.")
        out = np.empty((X.shape[0], len(self.boosters_)))
        for j, (booster, calibrator) in enumerate(zip(self.boosters_, self.calibrators_, strict=True)):
            out[:, j] = self.base_rates_[j] if booster is None else _apply(calibrator, booster.predict(X))
        return out

    def contributions(self, X: np.ndarray, product: int) -> np.ndarray:
        """Per-feature contributions (SHAP, in log-odds) to product ``product``'s raw score."""
        check_is_fitted(self, "boosters_")
        booster = self.boosters_[product]
        if booster is None:
            return np.zeros((len(X), self.n_features_in_))
        return booster.predict(np.asarray(X, dtype=np.float64), pred_contrib=True)[:, :-1]

    def feature_importance(self) -> dict[str, float]:
        """Total gain per feature over all products, largest first."""
        check_is_fitted(self, "boosters_")
        total = np.zeros(self.n_features_in_)
        for booster in self.boosters_:
            if booster is not None:
                total += booster.feature_importance(importance_type="gain")
        order = np.argsort(-total)
        return {str(self.feature_names_in_[i]): float(total[i]) for i in order if total[i] > 0}

    def _params(self) -> dict[str, Any]:
        # Adoptions are rare: shallow trees, feature and row sampling, L2, against overfitting.
        return {"objective": "binary", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
                "min_child_samples": self.min_child_samples, "feature_fraction": 0.5, "bagging_fraction": 0.8,
                "bagging_freq": 1, "lambda_l2": 1.0, "seed": self.random_state, "verbose": -1,
                "num_threads": 2, "deterministic": True, "force_row_wise": True}

    # Saved as text and JSON, never pickle: a model file is data, not code.
    def to_json(self) -> str:
        check_is_fitted(self, "boosters_")
        return json.dumps({
            "params": self.get_params(), "feature_names": list(self.feature_names_in_), "base_rates": list(self.base_rates_),
            "boosters": [None if b is None else b.model_to_string() for b in self.boosters_],
            "calibrators": [None if c is None else list(c) for c in self.calibrators_],
        })

    @classmethod
    def from_json(cls, text: str) -> "ProductPropensity":
        data = json.loads(text)
        model = cls(**data["params"])
        model.feature_names_in_ = np.array(data["feature_names"], dtype=object)
        model.n_features_in_ = len(data["feature_names"])
        model.base_rates_ = np.array(data["base_rates"])
        model.boosters_ = [None if b is None else lgb.Booster(model_str=b) for b in data["boosters"]]
        model.calibrators_ = [None if c is None else (float(c[0]), float(c[1])) for c in data["calibrators"]]
        return model


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic fit of the outcome on the score's log-odds."""
    if y.min() == y.max():
        return 1.0, 0.0
    model = LogisticRegression(C=1e4).fit(_logit(scores).reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _apply(calibrator: tuple[float, float], scores: np.ndarray) -> np.ndarray:
    slope, intercept = calibrator
    return 1.0 / (1.0 + np.exp(-(slope * _logit(scores) + intercept)))


__all__ = ["NotFittedError", "ProductPropensity"]
