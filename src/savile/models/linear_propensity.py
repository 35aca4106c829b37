"""Next-best-product propensity as one sparse (L1) logistic regression per product.

The scorecard form banks have long used for propensity: each product's log-odds is a weighted
sum of the customer's features. With a few hundred adoptions a product and hundreds of features,
the L1 penalty keeps the few that carry signal and sets the rest to exactly zero, where
trees split on noise. On the synthetic bank it ranked products better than the pooled LightGBM
model (docs/benchmarks.md); ``train`` lets each bank's own backtest choose between the two.

Before the fit, every feature goes through a signed ``log1p`` (money and counts are heavy-tailed)
and standard scaling; a missing value then sits at the mean, which adds nothing to the sum. Age
also gets hinge terms at its quantiles, because product needs follow the life cycle (a mortgage
in the thirties, a pension in the forties) and one straight line in age cannot rise and fall.

Follows scikit-learn's estimator contract, like ``ProductPropensity``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from savile.models._estimators import checked_input, name_features, restored
from savile.models.propensity import MIN_POSITIVES

AGE_FEATURE = "age_years"
AGE_KNOT_QUANTILES = (0.2, 0.4, 0.6, 0.8)
CHUNK_ROWS = 100_000


class LinearPropensity(BaseEstimator):  # type: ignore[misc]
    """Probability that a customer adopts each product next month.

    ``fit(X, Y, eligible, feature_names, sample_weight)`` as ``ProductPropensity``. ``C`` is the
    inverse strength of the L1 penalty: smaller keeps fewer features. Past ``max_rows`` rows, every
    row that adopted something trains (up to half the rows) and a random share of the others,
    weighted back up: each product's fit copies its rows (0.66 GB for 209,000 rows of 378 columns)
    and takes longer with more, so the rows, not the bank, must bound both. Weights summing past
    ``max_weight`` are scaled down to it, so that the penalty does not fade as the bank grows.
    ``n_jobs`` products are fitted at once, each in a worker process that reads the rows through a
    memory map; each fit runs on one thread, so the model is the same to the bit however many
    workers there are.
    """

    def __init__(self, C: float = 0.03, max_rows: int = 300_000, max_weight: float = 1_000_000, n_jobs: int = 2,
                 random_state: int = 0) -> None:
        self.C = C
        self.max_rows = max_rows
        self.max_weight = max_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: np.ndarray, Y: np.ndarray, eligible: np.ndarray | None = None,
            feature_names: list[str] | None = None, sample_weight: np.ndarray | None = None) -> "LinearPropensity":
        Y = np.asarray(Y)
        eligible = np.ones_like(Y, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
        row_weight = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if len(X) != len(Y) or Y.shape != eligible.shape or row_weight.shape != (len(X),):
            raise ValueError(f"X has {len(X)} rows, Y has shape {Y.shape}, eligible {eligible.shape} and sample_weight "
                             f"{row_weight.shape}; they must agree.")
        X, Y, eligible, row_weight = self._bounded(np.asarray(X), Y, eligible, row_weight)
        # The penalty is C against the weighted sum of losses, so a larger bank weakened it: at a
        # million customers (weights summing to 8M) liblinear, the solver then, took 18x as long and kept 291
        # features instead of 161. Past ``max_weight`` the weights shrink in proportion instead.
        row_weight = row_weight * min(1.0, self.max_weight / max(float(row_weight.sum()), 1e-12))
        name_features(self, X.shape[1], feature_names)
        self.n_products_, self.n_training_rows_ = Y.shape[1], len(X)
        design = self._learn_scaling(X)
        weighted = eligible * row_weight[:, None]
        self.base_rates_ = (Y * weighted).sum(axis=0) / np.maximum(weighted.sum(axis=0), 1e-12)
        self.coef_ = np.zeros((self.n_products_, design.shape[1]))
        self.intercept_ = _logit(self.base_rates_)
        learnable = [j for j in range(self.n_products_) if MIN_POSITIVES <= Y[eligible[:, j], j].sum() < eligible[:, j].sum()]
        # (the others, with too few adoptions to learn from, keep their base rate)
        fits = Parallel(n_jobs=max(1, self.n_jobs))(
            delayed(_fit_product)(design, eligible[:, j], Y[:, j], row_weight, self.C) for j in learnable)
        for j, (coef, intercept) in zip(learnable, fits, strict=True):
            self.coef_[j], self.intercept_[j] = coef, intercept
        return self

    def _learn_scaling(self, X: np.ndarray) -> np.ndarray:
        """Sets the age knots and each column's mean and spread; returns the scaled design matrix."""
        age = _index(self.feature_names_in_, AGE_FEATURE)
        ages = X[:, age] if age is not None else np.empty(0)
        self.age_knots_ = np.unique(np.nanquantile(ages, AGE_KNOT_QUANTILES)) if np.isfinite(ages).any() else np.empty(0)
        signed = self._signed(X)
        self.means_, self.scales_ = _moments(signed)
        return self._scaled(signed)

    def _bounded(self, X: np.ndarray, Y: np.ndarray, eligible: np.ndarray,
                 row_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        adopters = Y.any(axis=1)
        count = int(adopters.sum())
        others = len(X) - count
        if len(X) <= self.max_rows or not others:
            return X, Y, eligible, row_weight
        # Adopters are all kept up to half the rows (at a million customers they were 240,000 of 300,000).
        adopter_share = min(1.0, self.max_rows / 2 / max(count, 1))
        share = max(self.max_rows - round(count * adopter_share), 1) / others
        drawn = np.random.default_rng(self.random_state).random(len(X))
        kept = np.where(adopters, drawn < adopter_share, drawn < share)
        weight = np.where(adopters, 1.0 / adopter_share, 1.0 / share)
        return X[kept], Y[kept], eligible[kept], row_weight[kept] * weight[kept]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Shape (n, products): probability of adopting each product."""
        X = checked_input(self, X, "coef_")
        out = np.empty((len(X), self.n_products_))
        for start in range(0, len(X), CHUNK_ROWS):  # the design matrix is wider than X: a chunk at a time
            design = self._scaled(self._signed(X[start : start + CHUNK_ROWS]))
            out[start : start + len(design)] = 1.0 / (1.0 + np.exp(-(design @ self.coef_.T + self.intercept_)))
        return out

    def contributions(self, X: np.ndarray, product: int) -> np.ndarray:
        """Per-feature contributions (log-odds) to product ``product``'s score, against a customer
        at the training mean; age's hinge terms count towards age."""
        X = checked_input(self, X, "coef_")
        return self._per_feature(self._scaled(self._signed(X)) * self.coef_[product])

    def feature_importance(self) -> dict[str, float]:
        """Each feature's weight summed over products (on the scaled features), largest first; the
        features the penalty set to zero everywhere are left out."""
        check_is_fitted(self, "coef_")
        weight = self._per_feature(np.abs(self.coef_)).sum(axis=0)
        return {str(self.feature_names_in_[i]): float(weight[i]) for i in np.argsort(-weight) if weight[i] > 0}

    def _per_feature(self, columns: np.ndarray) -> np.ndarray:
        """Values per design column (the last axis) back to the input features: age's hinge terms
        count towards age."""
        out = columns[..., : self.n_features_in_].copy()
        age = _index(self.feature_names_in_, AGE_FEATURE)
        if age is not None:
            out[..., age] += columns[..., self.n_features_in_ :].sum(axis=-1)
        return out

    def _signed(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        signed = np.sign(X) * np.log1p(np.abs(X))
        age = _index(self.feature_names_in_, AGE_FEATURE)
        if age is None or not len(self.age_knots_):
            return signed
        hinges = np.maximum(X[:, [age]] - self.age_knots_[None, :], 0.0)
        return np.hstack([signed, hinges])

    def _scaled(self, signed: np.ndarray) -> np.ndarray:
        return np.nan_to_num((signed - self.means_) / self.scales_, nan=0.0, posinf=0.0, neginf=0.0)

    # Saved as JSON numbers, never pickle: a model file is data, not code.
    def to_json(self) -> str:
        check_is_fitted(self, "coef_")
        return json.dumps({"params": self.get_params(), "feature_names": list(self.feature_names_in_),
                           "base_rates": self.base_rates_.tolist(), "age_knots": self.age_knots_.tolist(),
                           "means": self.means_.tolist(), "scales": self.scales_.tolist(),
                           "coef": self.coef_.tolist(), "intercept": self.intercept_.tolist()})

    @classmethod
    def from_json(cls, text: str) -> "LinearPropensity":
        data = json.loads(text)
        model = restored(cls, data)
        model.base_rates_ = np.array(data["base_rates"])
        model.n_products_ = len(model.base_rates_)
        model.age_knots_ = np.array(data["age_knots"])
        model.means_, model.scales_ = np.array(data["means"]), np.array(data["scales"])
        model.coef_, model.intercept_ = np.array(data["coef"]).reshape(model.n_products_, -1), np.array(data["intercept"])
        return model


def _fit_product(design: np.ndarray, rows: np.ndarray, adopted: np.ndarray, weight: np.ndarray,
                 C: float) -> tuple[np.ndarray, float]:
    """One product's weights and intercept, from the rows eligible for it.

    The objective is liblinear's ``||w||_1 + C * sum(weight * log loss)``, divided by
    ``C * sum(weight)`` into glum's form, with the intercept unpenalised. glum's Newton steps
    with coordinate descent inside reach it in a handful of iterations where liblinear ran
    hundreds of cycles over correlated columns: at 300,000 rows 70 s against 310 s for all
    products, the same objective to five digits (docs/benchmarks.md)."""
    from glum import GeneralizedLinearRegressor  # imported here: half a second no other path needs

    sample_weight = weight[rows]
    model = GeneralizedLinearRegressor(family="binomial", alpha=1.0 / (C * sample_weight.sum()), l1_ratio=1.0,
                                       gradient_tol=1e-4, scale_predictors=False)
    with threadpool_limits(limits=1):  # one thread (OpenMP and BLAS), so the same bits in a worker or not
        model.fit(design[rows], adopted[rows].astype(np.float64), sample_weight=sample_weight)
    return np.asarray(model.coef_, dtype=np.float64), float(model.intercept_)


def _moments(signed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of each column over its known values; a column with no known value, or
    one value only, gets mean 0 and spread 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: the defaults below
        means, spread = np.nanmean(signed, axis=0), np.nanstd(signed, axis=0)
    return np.nan_to_num(means), np.where(np.nan_to_num(spread) > 0, np.nan_to_num(spread), 1.0)


def _index(names: np.ndarray, name: str) -> int | None:
    found = np.flatnonzero(names == name)
    return int(found[0]) if len(found) else None


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))
