"""One customer as the API shows them: the golden record with lineage, plus what decisions read."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from savile.identity import customer_view
from savile.ingest.normalise import mask_nested
from savile.store import SqlStore
from savile.store.tables import feature_snapshots


def customer_profile(store: SqlStore, customer_id: str) -> dict[str, Any]:
    view = customer_view(store, customer_id)
    with store.begin() as connection:
        snapshot = connection.execute(sa.select(feature_snapshots).where(feature_snapshots.c.customer_id == customer_id)).mappings().first()
    if snapshot is not None:
        view["segment"] = snapshot["segment"]
        view["flags"] = snapshot["flags"] or {}
        view["scores"] = snapshot["scores"] or {}
        view["profile_as_of"] = snapshot["as_of"]
        view["model_version"] = snapshot["model_version"]
    return mask_nested(view)

