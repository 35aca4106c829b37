"""The analytical store: DuckDB for history (transactions, interactions) and feature work."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from savile.exceptions import StoreError

SCHEMA = {
    "transactions": """
        transaction_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, booked_at TIMESTAMPTZ NOT NULL,
        amount DECIMAL(19, 4) NOT NULL, currency VARCHAR NOT NULL, channel VARCHAR, mcc VARCHAR,
        merchant_name VARCHAR, description VARCHAR, country VARCHAR, latitude DOUBLE, longitude DOUBLE,
        extra JSON""",
    "interactions": """
        event_id VARCHAR NOT NULL, occurred_at TIMESTAMPTZ NOT NULL, channel VARCHAR NOT NULL,
        event_type VARCHAR NOT NULL, source VARCHAR, source_customer_id VARCHAR, email VARCHAR,
        phone VARCHAR, device_id VARCHAR, session_id VARCHAR, properties JSON, extra JSON""",
}


class DuckDBAnalyticalStore:
    """History tables in one DuckDB file (or ``:memory:``); appends are idempotent by key."""

    def __init__(self, path: Path | str, memory_limit: str = "1GB") -> None:
        self.path = str(path)
        try:
            self.connection = duckdb.connect(self.path)
        except duckdb.IOException as error:
            raise StoreError(f"Cannot open the analytical store {self.path}: {error}. Is another savile process using it?") from error
        self.run("SET TimeZone = 'UTC'")
        # Bounded: the buffer pool would otherwise grow with the history it caches.
        self.run(f"SET memory_limit = '{memory_limit}'")
        for table, columns in SCHEMA.items():
            self.run(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")

    def run(self, sql: str, parameters: list[object] | None = None) -> list[tuple[object, ...]]:
        """Execute and fetch everything: DuckDB 2 refuses new work while a result is unread."""
        return self.connection.execute(sql, parameters or []).fetchall()

    def append_new(self, table: str, rows: pa.Table, key: str) -> int:
        """Insert the rows whose ``key`` is not stored yet; within ``rows`` the lowest ``_line``
        wins. Returns how many rows were inserted."""
        connection = self.connection
        connection.register("incoming", rows)
        try:
            columns = ", ".join(name for name in rows.column_names if name != "_line")
            # An anti-join instead of a primary key: DuckDB's ART index on 10M+ keys costs
            # more memory than the scan it saves.
            # Copies inside one batch are rare: pay for the window only when there are some.
            has_copies = pc.count_distinct(rows[key]).as_py() < rows.num_rows
            first_copy = f"QUALIFY row_number() OVER (PARTITION BY i.{key} ORDER BY i._line) = 1" if has_copies else ""
            inserted = self.run(
                f"""INSERT INTO {table} ({columns})
                    SELECT {columns} FROM incoming AS i
                    WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.{key} = i.{key})
                    {first_copy}"""
            )
            return int(inserted[0][0])  # type: ignore[call-overload]
        finally:
            connection.unregister("incoming")

    def replace_table(self, name: str, rows: pa.Table) -> None:
        """Make ``name`` hold exactly ``rows`` (maps and snapshots other stages publish)."""
        self.connection.register("incoming_table", rows)
        try:
            self.run(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM incoming_table")
        finally:
            self.connection.unregister("incoming_table")

    def count(self, table: str) -> int:
        return int(self.run(f"SELECT count(*) FROM {table}")[0][0])  # type: ignore[call-overload]

    def close(self) -> None:
        self.connection.close()
