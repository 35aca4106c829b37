"""Readers: stream a contract file as batches of text columns, with the line of every row.

Every reader yields ``RawBatch``es: an Arrow table of strings (nulls for empty cells) plus
``_line``, and the rows it could not even parse (``bad_csv_row``, ``bad_json``) as rejects.
Batches keep memory flat whatever the file size.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from savile.exceptions import InputFileError
from savile.ingest.rejects import Reject

csv.field_size_limit(64 * 1024 * 1024)  # call transcripts can be long
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".jsonl", ".jsonl.gz")
Progress = Callable[[int], None]  # bytes consumed so far


@dataclass
class RawBatch:
    rows: pa.Table
    rejects: list[Reject] = field(default_factory=list)


def table_of(path: Path) -> str | None:
    """The contract table a file holds, by its name (``customers.csv.gz`` → ``customers``)."""
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return None


def read_batches(path: Path, batch_rows: int, progress: Progress | None = None) -> Iterator[RawBatch]:
    name = path.name
    if name.endswith(".parquet"):
        reader = _parquet_batches(path, batch_rows, progress)
    elif name.endswith((".csv", ".csv.gz")):
        reader = _csv_batches(path, batch_rows, progress)
    elif name.endswith((".jsonl", ".jsonl.gz")):
        reader = _jsonl_batches(path, batch_rows, progress)
    else:
        raise InputFileError(f"{path}: unsupported file type. Expected one of {', '.join(SUFFIXES)}.")
    lines_read = 0
    try:
        for batch in reader:
            last = batch.rows["_line"][-1].as_py() if batch.rows.num_rows else 0
            lines_read = max([lines_read, last, *(r.line for r in batch.rejects)])
            yield batch
    except UnicodeDecodeError as error:
        # Bytes that are not UTF-8 leave the decoder unable to find where the next row starts.
        raise InputFileError(f"{path}: not UTF-8 after line {lines_read} ({error.reason}). Re-export the file as UTF-8; "
                             "the rows before it are loaded and loading again is safe.") from error
    except (OSError, EOFError, zlib.error) as error:
        raise InputFileError(f"{path}: the file is damaged or truncated after line {lines_read} ({error}). "
                             "Copy it again; the rows before it are loaded and loading again is safe.") from error


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from disk (compressed bytes for .gz) to drive a progress bar."""

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self.raw, self.progress, self.done = raw, progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.done += count or 0
        if self.progress:
            self.progress(self.done)
        return count


def _open_text(path: Path, progress: Progress | None) -> io.TextIOWrapper:
    binary: BinaryIO = io.BufferedReader(_CountingReader(path.open("rb"), progress), 1 << 20)
    if path.name.endswith(".gz"):
        binary = gzip.GzipFile(fileobj=binary)  # type: ignore[assignment]
    # utf-8-sig: exports from spreadsheet tools often start with a byte-order mark.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def _csv_batches(path: Path, batch_rows: int, progress: Progress | None) -> Iterator[RawBatch]:
    with _open_text(path, progress) as text:
        reader = csv.reader(text, strict=True)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            return
        except csv.Error as error:
            raise InputFileError(f"{path}: cannot read the header row ({error}). The file must be UTF-8 CSV with a header.") from error
        _check_header(path, header)
        width = len(header)
        rows: list[list[str]] = []
        lines: list[int] = []
        rejects: list[Reject] = []
        end_of_previous = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                line = end_of_previous + 1
                rejects.append(Reject(line, "bad_csv_row", None, f"unreadable CSV row: {error}", None))
                end_of_previous = reader.line_num
                continue
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not row or row == [""]:
                continue  # blank line: not a row
            if len(row) != width:
                raw = dict(zip(header, row, strict=False))
                rejects.append(Reject(line, "bad_csv_row", None, f"expected {width} fields as in the header, got {len(row)}", raw))
                continue
            rows.append(row)
            lines.append(line)
            if len(rows) >= batch_rows:
                yield RawBatch(_columns_to_table(header, rows, lines), rejects)
                rows, lines, rejects = [], [], []
        if rows or rejects:
            yield RawBatch(_columns_to_table(header, rows, lines), rejects)


def _check_header(path: Path, header: list[str]) -> None:
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise InputFileError(f"{path}: header column {position} has no name. Name every column in the header row.")
        if name in seen:
            raise InputFileError(f"{path}: column {name!r} appears twice in the header. Keep one of them.")
        seen.add(name)


def _columns_to_table(header: list[str], rows: list[list[str]], lines: list[int]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    arrays = {name: pa.array([value if value != "" else None for value in values], pa.string())
              for name, values in zip(header, columns, strict=True)}
    arrays["_line"] = pa.array(lines, pa.int64())
    return pa.table(arrays)


def _jsonl_batches(path: Path, batch_rows: int, progress: Progress | None) -> Iterator[RawBatch]:
    records: list[dict[str, str | None]] = []
    lines: list[int] = []
    rejects: list[Reject] = []
    with _open_text(path, progress) as text:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                rejects.append(Reject(number, "bad_json", None, f"not a JSON object: {error.msg}", {"line": line[:1000]}))
                continue
            if not isinstance(value, dict):
                rejects.append(Reject(number, "bad_json", None, f"expected a JSON object, got {type(value).__name__}", {"line": line[:1000]}))
                continue
            records.append({key: _to_text(item) for key, item in value.items()})
            lines.append(number)
            if len(records) >= batch_rows:
                yield RawBatch(_records_to_table(records, lines), rejects)
                records, lines, rejects = [], [], []
    if records or rejects:
        yield RawBatch(_records_to_table(records, lines), rejects)


def _to_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return repr(value) if isinstance(value, float) else str(value)


def _records_to_table(records: list[dict[str, str | None]], lines: list[int]) -> pa.Table:
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    arrays = {name: pa.array([record.get(name) for record in records], pa.string()) for name in names}
    arrays["_line"] = pa.array(lines, pa.int64())
    return pa.table(arrays)


def _parquet_batches(path: Path, batch_rows: int, progress: Progress | None) -> Iterator[RawBatch]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(f"{path}: not a readable Parquet file ({error}).") from error
    first_line, total, done = 1, max(path.stat().st_size, 1), 0
    for batch in parquet.iter_batches(batch_size=batch_rows):
        table = pa.Table.from_batches([batch])
        arrays = {name: _parquet_to_text(table.column(name)) for name in table.column_names}
        arrays["_line"] = pa.array(range(first_line, first_line + table.num_rows), pa.int64())
        first_line += table.num_rows
        done += table.num_rows
        if progress:
            progress(min(total, int(total * done / max(parquet.metadata.num_rows, 1))))
        yield RawBatch(pa.table(arrays))


def _parquet_to_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_timestamp(kind) and kind.tz is None:
        # A naive Parquet timestamp is read as UTC, as Spark and pandas write them.
        column = column.cast(pa.timestamp(kind.unit, tz="UTC"))
    if pa.types.is_struct(kind) or pa.types.is_map(kind) or pa.types.is_list(kind):
        return pa.chunked_array([pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in column.to_pylist()], pa.string())])
    return column.cast(pa.string())
