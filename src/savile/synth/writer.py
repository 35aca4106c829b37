"""Stream rows to contract files chunk by chunk (bounded memory at any size)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv")


class TableWriter:
    """Appends rows (dicts of text) to ``<folder>/<name>.<format>`` with a fixed column list."""

    def __init__(self, folder: Path, name: str, columns: list[str], fmt: str) -> None:
        self.path = folder / f"{name}.{fmt}"
        self.columns, self.fmt = columns, fmt
        self.schema = pa.schema([(column, pa.string()) for column in columns])
        self._writer: Any = None
        self.rows = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.write_columns({column: [row.get(column) for row in rows] for column in self.columns}, len(rows))

    def write_columns(self, data: dict[str, list[Any]], count: int) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd") if self.fmt == "parquet" else pacsv.CSVWriter(self.path, self.schema)
        if not count:
            return
        arrays = [_text_array(data[column]) for column in self.columns]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += count

    def close(self) -> None:
        if self._writer is None:
            self.write_columns({}, 0)
        self._writer.close()


def _text_array(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers or booleans among the text
        return pa.array([_text(value) for value in values], pa.string())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
