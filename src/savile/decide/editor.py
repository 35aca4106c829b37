"""Changing the catalogue through the API: validated whole, written as YAML, then applied."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import yaml

from savile.decide.catalogue import Catalogue, CatalogueError, Problem, load_catalogue, parse_actions
from savile.decide.service import DecisionService, load_products


class CatalogueEditor:
    def __init__(self, folder: Path, service: DecisionService, features: set[str] | None = None) -> None:
        self.folder = folder
        self.service = service
        self.store = service.store
        self.features = features
        self._lock = threading.Lock()

    def put(self, action_id: str, definition: dict[str, Any]) -> Catalogue:
        definition = {**definition, "id": definition.get("id", action_id)}
        if definition["id"] != action_id:
            raise CatalogueError([Problem("request", action_id, "id", f"the body's id {definition['id']!r} differs from the path")])
        with self._lock:
            products = load_products(self.store)
            current = {a.id: a.action.model_dump(mode="json", by_alias=True, exclude_none=True) for a in self.service.catalogue.actions}
            current[action_id] = definition
            _, problems = parse_actions([("request" if k == action_id else f"{k}.yaml", v) for k, v in current.items()], products, self.features)
            if problems:
                raise CatalogueError(problems)
            self.folder.mkdir(parents=True, exist_ok=True)
            # The derived default lives nowhere on disk; written out first, it stays the same catalogue plus this change.
            targets = current if self.service.catalogue.origin == "default" else {action_id: definition}
            for name, body in targets.items():
                (self.folder / f"{name}.yaml").write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
            catalogue = load_catalogue(self.folder, products, self.features)
            self.service.use(catalogue)
        return catalogue


def write_catalogue(catalogue: Catalogue, folder: Path) -> int:
    """Write every action of ``catalogue`` as one YAML file each (to start editing the default)."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in catalogue.actions:
        body = item.action.model_dump(mode="json", by_alias=True, exclude_none=True)
        (folder / f"{item.id}.yaml").write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return len(catalogue.actions)
