"""Ranking metrics for next-best-product: MAP@K as in the Santander product recommendation task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def average_precision_at_k(recommended: Sequence[str], actual: set[str], k: int) -> float:
    """
    >>> average_precision_at_k(["A", "B", "C"], {"B"}, 3)
    0.5
    """
    if not actual:
        return 0.0
    hits, total = 0, 0.0
    for position, item in enumerate(recommended[:k], start=1):
        if item in actual:
            hits += 1
            total += hits / position
    return total / min(len(actual), k)


def map_at_k(recommended: Mapping[str, Sequence[str]], actual: Mapping[str, set[str]], k: int) -> float:
    """Mean over the customers who adopted something (customers with no adoption are left out)."""
    adopters = [customer for customer, items in actual.items() if items]
    if not adopters:
        return 0.0
    return sum(average_precision_at_k(recommended.get(c, []), actual[c], k) for c in adopters) / len(adopters)
