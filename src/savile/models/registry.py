"""A folder of trained model versions: each with its model file and what it was trained on.

Models are saved as text (JSON numbers, or LightGBM's own format inside JSON), never pickled: a
model file is data, not code.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from savile.exceptions import NotFoundError

# Each model's registry, a folder under the workspace's models folder.
NEXT_BEST_PRODUCT = "next_best_product"
ATTRITION = "attrition"


def register(registry: Path, as_of: date, model_json: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Save a new version trained as of ``as_of``; returns ``meta`` with its version and time."""
    now = datetime.now(timezone.utc)
    meta = {"version": f"{as_of.isoformat()}_{now.strftime('%Y%m%dT%H%M%S%f')}", "as_of": as_of.isoformat(),
            "trained_at": now.isoformat(), **meta}
    folder = registry / meta["version"]
    folder.mkdir(parents=True)
    (folder / "model.json").write_text(model_json, encoding="utf-8")
    (folder / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def newest(registry: Path, as_of: date, what: str, train_hint: str) -> tuple[str, dict[str, Any]]:
    """(model JSON, meta) of the newest version trained as of ``as_of`` or earlier."""
    candidates = []
    for meta_path in registry.glob("*/meta.json") if registry.is_dir() else []:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if date.fromisoformat(meta["as_of"]) <= as_of:
            candidates.append((meta["as_of"], meta["trained_at"], meta_path.parent, meta))
    if not candidates:
        raise NotFoundError(f"No {what} model trained as of {as_of} or earlier. Run: {train_hint}")
    *_, folder, meta = max(candidates, key=lambda c: (c[0], c[1]))
    return (folder / "model.json").read_text(encoding="utf-8"), meta
