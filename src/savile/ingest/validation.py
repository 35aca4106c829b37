"""Vectorised validation of one batch against the contract, in DuckDB.

Each column's kind gives a check and a typed cast; the first failing check (in contract
order) is the row's reason. Text is trimmed and NFC-normalised, emails lower-cased.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from savile.contract import Column, ContractRow, Kind, columns_of
from savile.ingest.rejects import Reject

_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)? ?([Zz]|[+-]\d{2}(:?\d{2})?)"
_DECIMAL = r"[+-]?\d+(\.\d+)?"

_CAST = {
    Kind.TEXT: "{c}",
    Kind.JSON: "{c}",
    Kind.DATE: "TRY_CAST({c} AS DATE)",
    Kind.TIMESTAMP: "TRY_CAST(replace({c}, ',', '.') AS TIMESTAMPTZ)",
    Kind.DECIMAL: "TRY_CAST({c} AS DECIMAL(19, 4))",
    Kind.BOOL: "CASE lower({c}) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END",
    Kind.INT: "TRY_CAST({c} AS BIGINT)",
    Kind.FLOAT: "TRY_CAST({c} AS DOUBLE)",
}
_BAD = {
    Kind.DATE: ("bad_date", r"NOT regexp_full_match({c}, '\d{4}-\d{2}-\d{2}') OR TRY_CAST({c} AS DATE) IS NULL"),
    Kind.TIMESTAMP: ("bad_timestamp", "NOT regexp_full_match({c}, '" + _TIMESTAMP + "') OR " + _CAST[Kind.TIMESTAMP] + " IS NULL"),
    Kind.DECIMAL: ("bad_decimal", "NOT regexp_full_match({c}, '" + _DECIMAL + "') OR " + _CAST[Kind.DECIMAL] + " IS NULL"),
    Kind.BOOL: ("bad_bool", "lower({c}) NOT IN ('true', 'false', '1', '0')"),
    Kind.INT: ("bad_int", r"NOT regexp_full_match({c}, '[+-]?\d+') OR TRY_CAST({c} AS BIGINT) IS NULL"),
    Kind.FLOAT: ("bad_number", "TRY_CAST({c} AS DOUBLE) IS NULL OR isnan(TRY_CAST({c} AS DOUBLE)) OR isinf(TRY_CAST({c} AS DOUBLE))"),
    # A valid JSON text that starts with '{' is an object; json_type would fail on invalid text.
    Kind.JSON: ("bad_json", "NOT json_valid({c}) OR NOT starts_with(ltrim({c}), '{')"),
}
_EXPECTED = {
    "missing_required": "a value (the column is required)",
    "bad_date": "a date YYYY-MM-DD",
    "bad_timestamp": "an ISO 8601 timestamp with an offset or Z, such as 2026-03-01T09:15:00Z",
    "bad_decimal": "decimal text with a dot, such as -12.50",
    "bad_bool": "true/false or 1/0",
    "bad_int": "a whole number",
    "bad_number": "a finite number",
    "bad_json": "a JSON object such as {\"page\": \"home\"}",
}
EMAIL_COLUMNS = {"email"}


@dataclass(frozen=True)
class Reference:
    """A foreign key checked at the door: ``column`` must be one of ``keys``."""

    column: str
    keys: pa.Array
    reason: str
    target: str


@dataclass
class Validated:
    rows: pa.Table  # typed contract columns, ``extra`` (JSON text) and ``_line``
    rejects: list[Reject]


def validate(
    connection: duckdb.DuckDBPyConnection,
    raw: pa.Table,
    model: type[ContractRow],
    references: Mapping[str, Reference] | None = None,
) -> Validated:
    """Split ``raw`` (text columns and ``_line``) into typed valid rows and rejects."""
    columns = columns_of(model)
    references = references or {}
    present = set(raw.column_names)
    connection.register("raw_batch", raw)
    for name, reference in references.items():
        connection.register(f"ref_{name}", pa.table({"key": reference.keys}))
    try:
        result = connection.sql(_query(columns, present, references)).to_arrow_table()
        rejected = result.filter(pc.is_valid(result["_reason"]))
        rejects = _rejects(connection, rejected, references) if rejected.num_rows else []
    finally:
        connection.unregister("raw_batch")
        for name in references:
            connection.unregister(f"ref_{name}")
    valid = result.filter(pc.is_null(result["_reason"])).drop_columns(["_reason", "_column"])
    return Validated(valid, rejects)


def _query(columns: tuple[Column, ...], present: set[str], references: Mapping[str, Reference]) -> str:
    known = {column.name for column in columns}
    # NUL characters go: PostgreSQL text cannot hold them, and no bank value needs one.
    cleaned = [f"NULLIF(trim(replace({_q(c.name)}, chr(0), '')), '') AS {_q(c.name)}" if c.name in present
               else f"NULL::VARCHAR AS {_q(c.name)}" for c in columns]
    extras = sorted(present - known - {"_line", "table"})
    extra = "json_object(" + ", ".join(f"'{_lit(e)}', {_q(e)}" for e in extras) + ")::VARCHAR" if extras else "NULL::VARCHAR"
    joins, checks = [], []
    for column in columns:
        c = _q(column.name)
        if column.required:
            checks.append((f"{c} IS NULL", "missing_required", column.name))
        if column.kind in _BAD:
            reason, bad = _BAD[column.kind]
            checks.append((f"{c} IS NOT NULL AND ({_fill(bad, c)})", reason, column.name))
        cast = _fill(_CAST[column.kind], c)
        if column.ge is not None or column.le is not None:
            low = column.ge if column.ge is not None else "-'inf'::DOUBLE"
            high = column.le if column.le is not None else "'inf'::DOUBLE"
            checks.append((f"{cast} NOT BETWEEN {low} AND {high}", "out_of_range", column.name))
    for name, reference in references.items():
        joins.append(f"LEFT JOIN (SELECT DISTINCT key FROM ref_{name}) AS ref_{name} ON ref_{name}.key = s.{_q(reference.column)}")
        checks.append((f"s.{_q(reference.column)} IS NOT NULL AND ref_{name}.key IS NULL", reference.reason, reference.column))
    reason = "CASE " + " ".join(f"WHEN {cond} THEN '{r}'" for cond, r, _ in checks) + " END" if checks else "NULL"
    column_of = "CASE " + " ".join(f"WHEN {cond} THEN '{_lit(col)}'" for cond, _, col in checks) + " END" if checks else "NULL"
    typed = ", ".join(f"{_typed(column)} AS {_q(column.name)}" for column in columns)
    return f"""
        WITH s AS (SELECT _line, {", ".join(cleaned)}, {extra} AS extra FROM raw_batch)
        SELECT {typed}, s.extra, s._line, {reason} AS _reason, {column_of} AS _column
        FROM s {" ".join(joins)}
        ORDER BY s._line"""


def _typed(column: Column) -> str:
    c = f"s.{_q(column.name)}"
    if column.kind is Kind.TEXT:
        return f"lower({c})" if column.name in EMAIL_COLUMNS else f"nfc_normalize({c})"
    return _fill(_CAST[column.kind], c)


def _rejects(connection: duckdb.DuckDBPyConnection, rejected: pa.Table, references: Mapping[str, Reference]) -> list[Reject]:
    connection.register("rejected_lines", rejected.select(["_line", "_reason", "_column"]))
    try:
        rows = connection.sql(
            "SELECT r.* , l._reason, l._column FROM raw_batch AS r JOIN rejected_lines AS l USING (_line) ORDER BY _line"
        ).to_arrow_table().to_pylist()
    finally:
        connection.unregister("rejected_lines")
    targets = {reference.reason: reference.target for reference in references.values()}
    out = []
    for row in rows:
        line, reason, column = row.pop("_line"), row.pop("_reason"), row.pop("_column")
        raw = {key: value for key, value in row.items() if value is not None}
        out.append(Reject(line, reason, column, _message(reason, column, raw.get(column), targets), raw))
    return out


def _message(reason: str, column: str, value: str | None, targets: Mapping[str, str]) -> str:
    if reason in targets:
        return f"{column}: {value!r} is not in {targets[reason]}; load it there first or fix the code"
    if reason == "out_of_range":
        return f"{column}: {value!r} is out of range (latitude must be within ±90, longitude within ±180)"
    shown = value if value is None or len(value) <= 60 else value[:57] + "..."
    return f"{column}: expected {_EXPECTED[reason]}, got {shown!r}"


def _fill(template: str, column_sql: str) -> str:
    # str.replace, not str.format: the regular expressions hold braces of their own.
    return template.replace("{c}", column_sql)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return text.replace("'", "''")
