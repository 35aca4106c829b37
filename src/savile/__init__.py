"""Savile: an open-source personalization engine for banks."""

from savile.exceptions import SavileError

__version__ = "0.1.0"
__all__ = ["SavileError", "__version__"]
