"""Insight: signals about customers that decisions must respect (financial difficulty, ...)."""

from savile.insight.difficulty import Difficulty, assess
from savile.insight.lexicon import difficulty_cues

__all__ = ["Difficulty", "assess", "difficulty_cues"]
