from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from savile.config import CONFIG_FILE, Settings, load_settings
from savile.exceptions import WorkspaceError
from savile.store import DuckDBAnalyticalStore, SqlStore

TEMPLATE = """# Savile workspace settings. SAVILE_* environment variables override them.
[savile]
# database_url = "postgresql://user@host:5432/savile"   # default: SQLite file savile.db here
default_region = "GB"      # how phone numbers in a local format are read
ingest_batch_rows = 250000
# sqlite_synchronous = "normal"   # faster writes; the last commits may be lost if the machine loses power
"""


@dataclass
class Workspace:
    """Opens the stores a command needs, once, and closes them at the end."""

    path: Path
    settings: Settings = field(default_factory=Settings)

    @cached_property
    def store(self) -> SqlStore:
        url = self.settings.database_url or f"sqlite:///{self.path / 'savile.db'}"
        store = SqlStore(url, sqlite_synchronous=self.settings.sqlite_synchronous)
        store.upgrade()
        return store

    @cached_property
    def analytics(self) -> DuckDBAnalyticalStore:
        return DuckDBAnalyticalStore(self.settings.analytics_path or self.path / "analytics.duckdb",
                                     self.settings.duckdb_memory_limit)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.dispose()
        if "analytics" in self.__dict__:
            self.analytics.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def init_workspace(path: Path) -> Workspace:
    """Create a workspace in ``path`` (made if missing) and its stores."""
    path.mkdir(parents=True, exist_ok=True)
    config = path / CONFIG_FILE
    if not config.exists():
        config.write_text(TEMPLATE, encoding="utf-8")
    workspace = Workspace(path.resolve(), load_settings(path))
    workspace.store  # noqa: B018 - creates the schema now, so errors surface at init
    workspace.analytics  # noqa: B018
    return workspace


def find_workspace(path: Path) -> Workspace:
    """The workspace at ``path``; a clear error when there is none."""
    if not (path / CONFIG_FILE).is_file():
        raise WorkspaceError(
            f"No Savile workspace in {path} (no {CONFIG_FILE}). Run 'savile init' there first, or pass --workspace DIR."
        )
    return Workspace(path.resolve(), load_settings(path))
