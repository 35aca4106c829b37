from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from savile.ingest import IngestReport, Ingestor
from savile.store.tables import CONTRACT_TABLES, quarantine
from savile.workspace import Workspace


def ingest(workspace: Workspace, folder: Path, batch_rows: int = 100_000) -> IngestReport:
    return Ingestor(workspace.store, workspace.analytics, "GB", batch_rows).ingest_folder(folder)


def snapshot(workspace: Workspace) -> dict[str, Any]:
    """Every data table's content, comparable between two moments."""
    out: dict[str, Any] = {}
    with workspace.store.begin() as connection:
        for name, table in [*CONTRACT_TABLES.items(), ("quarantine", quarantine)]:
            rows = connection.execute(sa.select(table)).mappings().all()
            out[name] = sorted(repr(sorted((k, v) for k, v in row.items() if k not in ("run_id", "quarantined_at"))) for row in rows)
    for name in ("transactions", "interactions"):
        out[name] = sorted(map(repr, workspace.analytics.run(f"SELECT * FROM {name}")))
    return out


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
