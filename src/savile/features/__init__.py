"""Features computed as of a date (no leakage from the future), and their catalogue."""

from savile.features.catalogue import Feature
from savile.features.pipeline import FeatureBuilder, FeatureSet, add_months

__all__ = ["Feature", "FeatureBuilder", "FeatureSet", "add_months"]
