"""Features computed as of a date (no leakage from the future), and their catalogue."""

from savile.features.catalogue import Feature
from savile.features.pipeline import FeatureBuilder, FeatureSet, month_ends_before

__all__ = ["Feature", "FeatureBuilder", "FeatureSet", "month_ends_before"]
