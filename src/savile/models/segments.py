"""Segmentation of the whole base by behaviour: k-means on scaled features, k chosen by silhouette."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.utils.validation import check_is_fitted

if TYPE_CHECKING:
    from savile.features import FeatureSet


@dataclass(frozen=True)
class Segment:
    label: int
    name: str
    size: int
    distinguishing: list[tuple[str, float]]  # feature, standardised difference from the base


BEHAVIOUR = re.compile(r"^(?!held_.*_lag[1-9])(?!.*_(30|365)d$)")  # the 90-day view and what is held now


def behaviour_columns(names: list[str]) -> list[int]:
    """Columns that segment on behaviour without counting one measure at three windows."""
    return [i for i, name in enumerate(names) if BEHAVIOUR.match(name)]


class Segmenter(BaseEstimator):  # type: ignore[misc]
    """``fit(X, names)`` picks k in ``k_range`` by silhouette on a sample, then describes each
    segment by the features that set it apart (standardised mean difference)."""

    def __init__(self, k_range: tuple[int, int] = (3, 8), sample: int = 5_000, random_state: int = 0) -> None:
        self.k_range = k_range
        self.sample = sample
        self.random_state = random_state

    def fit(self, X: np.ndarray, names: list[str], meanings: dict[str, str] | None = None) -> "Segmenter":
        Z = self._prepare(np.asarray(X, dtype=np.float64), fit=True)
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(len(Z), size=min(self.sample, len(Z)), replace=False)
        best: tuple[float, int, KMeans] | None = None
        low, high = self.k_range
        for k in range(low, min(high, len(sample) - 1) + 1):
            model = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(Z[sample])
            score = silhouette_score(Z[sample], model.labels_)
            if best is None or score > best[0]:
                best = (score, k, model)
        if best is None:
            raise ValueError(f"Segmenting needs more than {low} customers; got {len(Z)}.")
        self.silhouette_, self.k_, self.kmeans_ = best
        labels = self.kmeans_.predict(Z)
        self.segments_ = [self._describe(Z, labels, label, names, meanings or {}) for label in range(self.k_)]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "kmeans_")
        return self.kmeans_.predict(self._prepare(np.asarray(X, dtype=np.float64), fit=False))

    def _prepare(self, X: np.ndarray, fit: bool) -> np.ndarray:
        # Money and counts are heavy-tailed: a signed log keeps one big spender from being a segment.
        X = np.nan_to_num(X)
        X = np.sign(X) * np.log1p(np.abs(X))
        if fit:
            self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0)
            self.scale_[self.scale_ == 0] = 1.0
        return (X - self.mean_) / self.scale_

    @staticmethod
    def _describe(Z: np.ndarray, labels: np.ndarray, label: int, names: list[str], meanings: dict[str, str]) -> Segment:
        members = labels == label
        difference = Z[members].mean(axis=0)  # base mean is 0 after scaling
        distinguishing, stems = [], set()
        for i in np.argsort(-np.abs(difference)):
            stem = re.sub(r"_(\d+d|lag\d+)$", "", names[i])  # one window or lag per measure
            if stem not in stems:
                stems.add(stem)
                distinguishing.append((names[i], round(float(difference[i]), 2)))
            if len(distinguishing) == 5:
                break
        words = [f"{'more' if d > 0 else 'less'} {meanings.get(n, n)}" for n, d in distinguishing[:2]]
        return Segment(label, f"{label + 1}: " + "; ".join(words), int(members.sum()), distinguishing)


def segment_base(features: "FeatureSet", meanings: dict[str, str]) -> tuple[Segmenter, dict[str, str]]:
    """Fit a segmenter on the whole base and name each customer's segment."""
    columns = behaviour_columns(features.names)
    X = features.matrix()[:, columns]
    segmenter = Segmenter().fit(X, [features.names[i] for i in columns], meanings)
    names = {s.label: s.name for s in segmenter.segments_}
    customers = features.customers
    return segmenter, {c: names[int(label)] for c, label in zip(customers, segmenter.predict(X), strict=True)}
