"""Streamed events join the analytical history, so that batch features (``savile refresh``) see
what channel apps sent through the API as well as what was ingested from files."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import events_received

HISTORY_TABLES = {"interactions": "event_id", "transactions": "transaction_id"}
WATERMARK = "streamed_watermark"  # the last ledger sequence absorbed, kept beside the history
CHUNK = 50_000


def absorb_streamed(store: SqlStore, analytics: DuckDBAnalyticalStore) -> dict[str, int]:
    """Append processed streamed interactions and transactions not absorbed yet; idempotent by key."""
    analytics.run(f"CREATE TABLE IF NOT EXISTS {WATERMARK} (sequence BIGINT NOT NULL)")
    start = int(analytics.run(f"SELECT coalesce(max(sequence), 0) FROM {WATERMARK}")[0][0])  # type: ignore[arg-type]
    added = dict.fromkeys(HISTORY_TABLES, 0)
    while True:
        with store.begin() as connection:
            rows = connection.execute(sa.select(events_received.c.sequence, events_received.c.event_table, events_received.c.payload).where(
                events_received.c.sequence > start, events_received.c.processed_at.isnot(None),
                events_received.c.event_table.in_(list(HISTORY_TABLES))).order_by(events_received.c.sequence).limit(CHUNK)).all()
        if not rows:
            return added
        for table, key in HISTORY_TABLES.items():
            chosen = [(sequence, payload) for sequence, kind, payload in rows if kind == table]
            if chosen:
                columns = [str(r[0]) for r in analytics.run(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table])]
                added[table] += analytics.append_new(table, _arrow(columns, chosen), key)
        start = rows[-1][0]
        analytics.run(f"DELETE FROM {WATERMARK}")
        analytics.run(f"INSERT INTO {WATERMARK} VALUES (?)", [start])


def _arrow(columns: list[str], chosen: list[tuple[int, dict[str, Any]]]) -> pa.Table:
    data: dict[str, list[Any]] = {name: [] for name in columns}
    for _, payload in chosen:
        for name in columns:
            value = payload.get(name)
            data[name].append(json.dumps(value) if isinstance(value, (dict, list)) else (None if value is None else str(value)))
    data["_line"] = [sequence for sequence, _ in chosen]
    return pa.table({name: pa.array(values, pa.int64() if name == "_line" else pa.string()) for name, values in data.items()})
