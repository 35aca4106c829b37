"""The nearest ATM or branch to a point: a haversine ball tree (scikit-learn) over the bank's locations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa

from savile.store.tables import locations

if TYPE_CHECKING:
    from sklearn.neighbors import BallTree

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


@dataclass(frozen=True)
class Place:
    location_id: str
    kind: str
    name: str
    distance_m: float


class NearestLocations:
    """One tree per kind of location, built once; a query costs O(log n)."""

    def __init__(self, rows: list[dict]) -> None:
        self._trees: dict[str, tuple[BallTree, list[dict]]] = {}
        if rows:  # only then: a server with no locations need not load scikit-learn (a second, 100 MB)
            from sklearn.neighbors import BallTree
        for kind in {r["kind"] for r in rows}:
            chosen = [r for r in rows if r["kind"] == kind]
            points = np.radians([[r["latitude"], r["longitude"]] for r in chosen])
            self._trees[kind] = (BallTree(points, metric="haversine"), chosen)

    @classmethod
    def load(cls, connection: sa.Connection) -> NearestLocations:
        return cls([dict(r) for r in connection.execute(sa.select(locations)).mappings()])

    def nearest(self, latitude: float, longitude: float, kinds: list[str]) -> Place | None:
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return None
        best: Place | None = None
        point = np.radians([[latitude, longitude]])
        for kind in kinds:
            if kind not in self._trees:
                continue
            tree, rows = self._trees[kind]
            distance, index = tree.query(point, k=1)
            row = rows[int(index[0][0])]
            metres = float(distance[0][0]) * EARTH_RADIUS_M
            if best is None or metres < best.distance_m:
                best = Place(row["location_id"], kind, row.get("name") or row["location_id"], metres)
        return best
