"""How durable an SQLite commit is: every commit on disk by default, or the faster setting a bank chose."""

from __future__ import annotations

from pathlib import Path

import pytest

from savile.config import load_settings
from savile.exceptions import ConfigError, StoreError
from savile.store import SqlStore
from savile.workspace import Workspace

FULL, NORMAL = 2, 1  # what PRAGMA synchronous reports


def _synchronous(store: SqlStore) -> int:
    with store.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar_one()


def test_every_commit_is_on_disk_unless_the_workspace_asks_for_less(tmp_path: Path) -> None:
    durable = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    faster = SqlStore(f"sqlite:///{tmp_path / 'b.db'}", sqlite_synchronous="normal")
    try:
        assert (_synchronous(durable), _synchronous(faster)) == (FULL, NORMAL)
    finally:
        durable.dispose()
        faster.dispose()


def test_the_setting_reaches_the_workspace_store_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"SAVILE_SQLITE_SYNCHRONOUS": "normal"})
    with Workspace(tmp_path, settings) as workspace:
        assert _synchronous(workspace.store) == NORMAL
    with Workspace(tmp_path, load_settings(tmp_path, {})) as workspace:
        assert _synchronous(workspace.store) == FULL


def test_an_unknown_level_is_refused_with_the_levels_it_could_be(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sqlite_synchronous"):
        load_settings(tmp_path, {"SAVILE_SQLITE_SYNCHRONOUS": "off"})
    with pytest.raises(StoreError, match="full, normal"):
        SqlStore(f"sqlite:///{tmp_path / 'c.db'}", sqlite_synchronous="off")
