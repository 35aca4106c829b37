from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from savile.models import LinearPropensity, ProductPropensity, average_precision_at_k, map_at_k


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3000, 4))
    Y = np.column_stack([rng.random(3000) < 1 / (1 + np.exp(-(2 * X[:, 0] - 2))), rng.random(3000) < 0.001]).astype(int)
    return X, Y


LEARNERS = [pytest.param(lambda: ProductPropensity(n_estimators=40), id="lightgbm"), pytest.param(LinearPropensity, id="linear")]


@pytest.mark.parametrize("make", LEARNERS)
def test_propensity_follows_the_estimator_contract(make) -> None:  # type: ignore[no-untyped-def]
    X, Y = _data()
    model = make()
    with pytest.raises(NotFittedError):
        model.predict_proba(X)
    assert make().fit(X, np.zeros_like(Y)).predict_proba(X[:2]).max() < 1e-6  # nobody adopted: nobody will
    with pytest.raises(NotFittedError):
        model.predict_proba(X)
    assert model.fit(X, Y, feature_names=["a", "b", "c", "d"]) is model
    assert model.n_features_in_ == 4 and list(model.feature_names_in_) == ["a", "b", "c", "d"]
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (3000, 2) and ((0 <= probabilities) & (probabilities <= 1)).all()
    assert probabilities[:, 1].mean() < probabilities[:, 0].mean() / 5  # a product almost nobody adopts stays unlikely
    assert model.get_params() == make().get_params()
    with pytest.raises(ValueError, match="fitted with 4"):
        model.predict_proba(X[:, :3])


@pytest.mark.parametrize("make", LEARNERS)
def test_propensity_learns_the_signal_and_its_importance(make) -> None:  # type: ignore[no-untyped-def]
    X, Y = _data()
    model = make().fit(X, Y, feature_names=["signal", "n1", "n2", "n3"])
    p = model.predict_proba(X)[:, 0]
    assert p[X[:, 0] > 1].mean() > 3 * p[X[:, 0] < 0].mean()
    assert next(iter(model.feature_importance())) == "signal"
    contributions = model.contributions(X[:5], 0)
    assert contributions.shape == (5, 4)
    assert (np.argmax(np.abs(contributions), axis=1) == 0).mean() >= 0.6  # the signal moves most customers' scores most


@pytest.mark.parametrize("make", LEARNERS)
def test_propensity_survives_a_json_round_trip(make) -> None:  # type: ignore[no-untyped-def]
    X, Y = _data(1)
    X[::7, 2] = np.nan  # missing values score the same after loading
    model = make().fit(X, Y, feature_names=["age_years", "b", "c", "d"])
    again = type(model).from_json(model.to_json())
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X))
    np.testing.assert_allclose(again.contributions(X[:9], 0), model.contributions(X[:9], 0))


def test_linear_propensity_follows_age_up_and_down() -> None:
    """A hump in age (a product of one's thirties) is learnt, which one straight line cannot."""
    rng = np.random.default_rng(3)
    age = rng.uniform(18, 90, 20_000)
    Y = (rng.random(20_000) < 1 / (1 + np.exp(-(-2 - ((age - 35) / 8) ** 2)))).astype(int)[:, None]
    p = LinearPropensity(C=1.0).fit(age[:, None], Y, feature_names=["age_years"]).predict_proba(np.array([[20.0], [35.0], [70.0]]))[:, 0]
    assert p[1] > 2 * p[0] and p[1] > 2 * p[2]


def test_linear_propensity_bounds_its_rows_and_weighs_them_back() -> None:
    X, Y = _data(2)
    bounded = LinearPropensity(C=1.0, max_rows=1000).fit(X, Y)
    whole = LinearPropensity(C=1.0).fit(X, Y)
    # The sample stands for every row: base rates and scores stay close to the whole fit's.
    np.testing.assert_allclose(bounded.base_rates_, whole.base_rates_, rtol=0.25, atol=1e-3)
    assert np.corrcoef(bounded.predict_proba(X)[:, 0], whole.predict_proba(X)[:, 0])[0, 1] > 0.95


def test_linear_propensity_keeps_adopters_to_half_its_rows_when_most_rows_adopt() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(4000, 3))
    Y = (rng.random(4000) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)[:, None]  # about half adopt
    bounded = LinearPropensity(C=1.0, max_rows=1000).fit(X, Y)
    whole = LinearPropensity(C=1.0).fit(X, Y)
    assert 900 <= bounded.n_training_rows_ <= 1100 and whole.n_training_rows_ == 4000
    np.testing.assert_allclose(bounded.base_rates_, whole.base_rates_, rtol=0.1)
    assert np.corrcoef(bounded.predict_proba(X)[:, 0], whole.predict_proba(X)[:, 0])[0, 1] > 0.98


def test_linear_propensity_penalty_does_not_fade_with_the_weight_of_a_larger_bank() -> None:
    X, Y = _data(5)
    weight = np.where(Y.any(axis=1), 1.0, 4.0)
    capped = [LinearPropensity(C=0.05, max_weight=weight.sum()).fit(X, Y, sample_weight=w * weight) for w in (1, 10)]
    uncapped = LinearPropensity(C=0.05, max_weight=np.inf).fit(X, Y, sample_weight=10 * weight)
    np.testing.assert_allclose(capped[1].coef_, capped[0].coef_, rtol=1e-4, atol=1e-6)  # ten times the weight, the same model
    assert np.abs(uncapped.coef_).sum() > 1.05 * np.abs(capped[0].coef_).sum()  # without the cap the penalty weakens


def test_map_at_k() -> None:
    assert average_precision_at_k(["a", "b"], {"a", "b"}, 3) == 1.0
    assert map_at_k({"c1": ["x", "a"], "c2": ["b"]}, {"c1": {"a"}, "c2": set()}, 3) == 0.5


def test_lightgbm_propensity_bounds_its_pairs_and_weighs_them_back() -> None:
    X, Y = _data(2)
    bounded = ProductPropensity(n_estimators=40, max_pairs=1500).fit(X, Y)
    whole = ProductPropensity(n_estimators=40).fit(X, Y)
    assert bounded.n_training_pairs_ <= 1500 < whole.n_training_pairs_
    p, q = bounded.predict_proba(X)[:, 0], whole.predict_proba(X)[:, 0]
    assert np.corrcoef(p, q)[0, 1] > 0.9
    assert abs(p.mean() - q.mean()) < 0.25 * q.mean()  # the sampled pairs were weighed back: calibration holds


@pytest.mark.parametrize("make", LEARNERS)
def test_propensity_fitted_twice_on_the_same_data_is_the_same_model(make) -> None:  # type: ignore[no-untyped-def]
    X, Y = _data(4)
    np.testing.assert_array_equal(make().fit(X, Y).predict_proba(X), make().fit(X, Y).predict_proba(X))


def test_linear_propensity_fits_products_in_parallel_to_the_same_model() -> None:
    # Large enough for the order of the solver's sums to matter: with BLAS on two threads in the
    # parent and one in the workers, the weights differed in the sixteenth digit here.
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40_000, 60))
    signal = X[:, :10].sum(axis=1)
    Y = np.column_stack([rng.random(40_000) < 1 / (1 + np.exp(-(0.05 * (j + 1) * signal - 3))) for j in range(6)]
                        + [np.zeros(40_000)]).astype(int)
    alone, together, again = (LinearPropensity(n_jobs=jobs).fit(X, Y) for jobs in (1, 2, 2))
    np.testing.assert_array_equal(together.coef_, alone.coef_)
    np.testing.assert_array_equal(together.intercept_, alone.intercept_)
    np.testing.assert_array_equal(again.coef_, together.coef_)
    assert (np.abs(alone.coef_[:6]).argmax(axis=1) < 10).all()  # each product learnt the signal
    assert not alone.coef_[6].any()  # nobody adopted the last product: it keeps its base rate


def test_linear_propensity_reaches_the_l1_objective_as_well_as_liblinear() -> None:
    # The solver is handed C as glum's alpha = 1 / (C * sum of weights); a wrong conversion
    # would fit another penalty and lose on this objective.
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(8)
    X = rng.normal(size=(6_000, 25))
    X[:, 1] = X[:, 0] + 0.1 * rng.normal(size=6_000)  # near copies, as spends over 30 and 90 days
    y = (rng.random(6_000) < 1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 2] - 2.5)))).astype(int)
    weight = rng.uniform(0.5, 4.0, size=6_000)
    model = LinearPropensity(n_jobs=1).fit(X, y[:, None], sample_weight=weight)
    design = model._scaled(model._signed(X))
    reference = LogisticRegression(C=model.C, l1_ratio=1.0, solver="liblinear", intercept_scaling=100.0, tol=1e-8,
                                   max_iter=10_000).fit(design, y, sample_weight=weight)

    def objective(coef: np.ndarray, intercept: float) -> float:
        z = design @ coef + intercept
        return float(np.abs(coef).sum() + model.C * np.sum(weight * (np.logaddexp(0, z) - y * z)))

    ours, theirs = objective(model.coef_[0], model.intercept_[0]), objective(reference.coef_[0], reference.intercept_[0])
    assert ours <= theirs * (1 + 1e-5)
    assert 0 < (model.coef_[0] != 0).sum() < 25  # the penalty kept some features and dropped others
