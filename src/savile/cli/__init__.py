"""The ``savile`` command."""

from savile.cli.main import app

__all__ = ["app"]
