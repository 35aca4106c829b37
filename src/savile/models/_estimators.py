"""What every Savile estimator does alike, after scikit-learn's contract: name the features it
was fitted on, refuse input it was not fitted for, and come back from its saved JSON."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

Estimator = TypeVar("Estimator", bound=BaseEstimator)


def name_features(model: BaseEstimator, count: int, names: list[str] | None) -> None:
    """Sets ``n_features_in_`` and ``feature_names_in_`` (``x0``, ``x1``... without names)."""
    model.n_features_in_ = count
    model.feature_names_in_ = np.array(names or [f"x{i}" for i in range(count)], dtype=object)


def checked_input(model: BaseEstimator, X: np.ndarray, fitted: str) -> np.ndarray:
    """``X`` as floats, once ``model`` is fitted (has ``fitted``) and ``X`` has its features."""
    check_is_fitted(model, fitted)
    X = np.asarray(X, dtype=np.float64)
    if X.shape[1] != model.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but {type(model).__name__} was fitted with {model.n_features_in_}.")
    return X


def restored(cls: type[Estimator], data: dict[str, Any]) -> Estimator:
    """A model of ``cls`` with the saved parameters and feature names; the caller sets the rest."""
    model = cls(**data["params"])
    name_features(model, len(data["feature_names"]), list(data["feature_names"]))
    return model
