"""Persistence: the operational store (SQLAlchemy + Alembic) and the analytical store (DuckDB)."""

from savile.store import tables
from savile.store.analytical import DuckDBAnalyticalStore
from savile.store.operational import SqlStore, head_revision

__all__ = ["DuckDBAnalyticalStore", "SqlStore", "head_revision", "tables"]
