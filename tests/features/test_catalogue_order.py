from __future__ import annotations

from datetime import date
from pathlib import Path

from savile.features import FeatureBuilder
from savile.identity import resolve
from savile.workspace import Workspace
from tests.ingest.helpers import ingest


def test_catalogue_names_the_columns_in_order(workspace: Workspace, example_folder: Path) -> None:
    ingest(workspace, example_folder)
    resolve(workspace.store, workspace.analytics, ["core"])
    builder = FeatureBuilder(workspace.store, workspace.analytics)
    features = builder.features_as_of(date(2026, 2, 28))
    assert features.names == [f.name for f in builder.catalogue()]
    assert len(features.names) > 200 and len(set(features.names)) == len(features.names)
