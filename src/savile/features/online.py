"""The online snapshot: each customer's latest features, in the operational store, for decisions."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from savile.features.pipeline import FeatureSet
from savile.store import SqlStore
from savile.store.tables import feature_snapshots


def save_snapshot(store: SqlStore, features: FeatureSet, segments: dict[str, str] | None = None,
                  profiles: dict[str, dict[str, Any]] | None = None) -> int:
    """Replace every customer's snapshot with ``features`` (one as-of date for the whole base).
    ``profiles`` adds per customer what the decision path reads beside features: ``scores``,
    ``reasons``, ``flags`` and ``model_version``."""
    now = datetime.now(timezone.utc)
    rows = [
        {"customer_id": row.pop("customer_id"), "as_of": features.as_of, "features": _clean(row), "computed_at": now}
        for row in features.table.to_pylist()
    ]
    for row in rows:
        row["segment"] = (segments or {}).get(row["customer_id"])
        extra = (profiles or {}).get(row["customer_id"], {})
        row.update({key: extra.get(key) for key in ("scores", "reasons", "flags", "model_version")})
    with store.begin() as connection:
        connection.execute(sa.delete(feature_snapshots))
        for start in range(0, len(rows), 5_000):
            connection.execute(sa.insert(feature_snapshots), rows[start : start + 5_000])
    return len(rows)


def load_snapshot(store: SqlStore, customer_id: str) -> dict[str, Any] | None:
    with store.begin() as connection:
        row = connection.execute(sa.select(feature_snapshots).where(feature_snapshots.c.customer_id == customer_id)).mappings().first()
    return dict(row) if row else None


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if not isinstance(v, int) else v) for k, v in row.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))}
