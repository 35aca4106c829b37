"""Sinks: idempotent writes of validated rows into the stores, with exact change counts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from savile.ingest.rejects import Reject
from savile.store import SqlStore
from savile.store.tables import quarantine

_CHUNK = 2_000  # keys per IN (...) lookup: well under SQLite's bound-parameter limit


@dataclass
class Changes:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: "Changes") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


class OperationalSink:
    """Upserts rows into one operational table by its key.

    With ``newest`` set (customers: ``updated_at``) a stored row is replaced only by a strictly
    newer one, so an older file loaded later cannot undo a newer change. Otherwise a row that
    differs replaces the stored one.
    """

    def __init__(self, store: SqlStore, table: sa.Table, key: tuple[str, ...], newest: str | None = None) -> None:
        self.store, self.table, self.key, self.newest = store, table, key, newest
        self._key_columns = [table.c[name] for name in key]
        self._compared = [c.name for c in table.columns if not (c.primary_key and c.autoincrement is True)]

    def write(self, rows: list[dict[str, Any]]) -> Changes:
        changes = Changes()
        latest = self._latest_per_key(rows)
        changes.unchanged += len(rows) - len(latest)  # superseded copies within the batch
        with self.store.begin() as connection:
            for start in range(0, len(latest), _CHUNK):
                chunk = dict(list(latest.items())[start : start + _CHUNK])
                changes.add(self._write_chunk(connection, chunk))
        return changes

    def _latest_per_key(self, rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        latest: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows:
            key = tuple(row[name] for name in self.key)
            kept = latest.get(key)
            if kept is None or self.newest is None or row[self.newest] >= kept[self.newest]:
                latest[key] = row  # later line wins a tie within one file
        return latest

    def _write_chunk(self, connection: sa.Connection, chunk: dict[tuple[Any, ...], dict[str, Any]]) -> Changes:
        key_expr = self._key_columns[0] if len(self.key) == 1 else sa.tuple_(*self._key_columns)
        wanted = [k[0] for k in chunk] if len(self.key) == 1 else list(chunk)
        stored = {
            tuple(row[name] for name in self.key): row
            for row in connection.execute(sa.select(self.table).where(key_expr.in_(wanted))).mappings()
        }
        inserts, updates, unchanged = [], [], 0
        for key, row in chunk.items():
            old = stored.get(key)
            if old is None:
                inserts.append(row)
            elif self._replaces(row, old):
                updates.append(row)
            else:
                unchanged += 1
        if inserts:
            connection.execute(sa.insert(self.table), inserts)
        if updates:
            where = sa.and_(*(column == sa.bindparam(f"key_{column.name}") for column in self._key_columns))
            values = {name: sa.bindparam(name) for name in self._compared if name not in self.key}
            params = [{**row, **{f"key_{name}": row[name] for name in self.key}} for row in updates]
            connection.execute(sa.update(self.table).where(where).values(values), params)
        return Changes(len(inserts), len(updates), unchanged)

    def _replaces(self, row: dict[str, Any], old: Any) -> bool:
        if self.newest is not None and row[self.newest] <= old[self.newest]:
            return False
        return any(row.get(name) != old[name] for name in self._compared)


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def save_rejects(store: SqlStore, run_id: str, table: str, source_file: str, rejects: list[Reject]) -> int:
    """Quarantine rejected rows; a row quarantined before (same table, reason, content) is kept once."""
    if not rejects:
        return 0
    now = datetime.now(timezone.utc)
    rows = {
        digest(table, reject.reason, reject.column, reject.raw, reject.raw is None and reject.line): {
            "run_id": run_id,
            "table_name": table,
            "source_file": source_file,
            "line": reject.line,
            "reason": reject.reason,
            "column_name": reject.column,
            "message": reject.message,
            "raw": reject.raw,
            "quarantined_at": now,
        }
        for reject in rejects
    }
    inserted = 0
    with store.begin() as connection:
        keys = list(rows)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            seen = set(connection.execute(sa.select(quarantine.c.row_digest).where(quarantine.c.row_digest.in_(chunk))).scalars())
            new = [{"row_digest": key, **rows[key]} for key in chunk if key not in seen]
            if new:
                connection.execute(sa.insert(quarantine), new)
                inserted += len(new)
    return inserted
