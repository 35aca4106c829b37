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

# DuckDB's casts are lenient (a timestamp without an offset is taken as UTC, a date may have
# one-digit months); these cheap string tests hold the contract's stricter shapes. They run on
# every row, so they avoid regular expressions.
_STRICT = {
    Kind.DATE: " OR length({c}) <> 10 OR substr({c}, 5, 1) <> '-' OR substr({c}, 8, 1) <> '-'",
    Kind.TIMESTAMP: " OR length({c}) < 16 OR substr({c}, 11, 1) NOT IN ('T', 't', ' ') OR NOT ("
    "right({c}, 1) IN ('Z', 'z') OR substr({c}, -3, 1) IN ('+', '-') OR substr({c}, -5, 1) IN ('+', '-') "
    "OR substr({c}, -6, 1) IN ('+', '-'))",
}
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
# kind -> (reason, the shape the text must have besides casting; None = the cast decides)
_SHAPE = {
    Kind.DATE: ("bad_date", None),
    Kind.TIMESTAMP: ("bad_timestamp", None),
    Kind.DECIMAL: ("bad_decimal", _DECIMAL),
    Kind.BOOL: ("bad_bool", None),
    Kind.INT: ("bad_int", r"[+-]?\d+"),
    Kind.FLOAT: ("bad_number", None),
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
        sql, checks = _query(columns, present, references)
        result = connection.sql(sql).to_arrow_table()
        rejected = result.filter(pc.is_valid(result["_check"]))
        rejects = _rejects(connection, rejected, checks, references) if rejected.num_rows else []
    finally:
        connection.unregister("raw_batch")
        for name in references:
            connection.unregister(f"ref_{name}")
    valid = result.filter(pc.is_null(result["_check"])).drop_columns(["_check"])
    return Validated(valid, rejects)


@dataclass(frozen=True)
class _Check:
    condition: str
    reason: str
    column: str


def _query(columns: tuple[Column, ...], present: set[str], references: Mapping[str, Reference]) -> tuple[str, list[_Check]]:
    """The validating SELECT and its checks; ``_check`` in the result is the index of the first
    failing check (casts are computed once, in CTE ``t``, and reused by the checks)."""
    known = {column.name for column in columns}
    # NUL characters go: PostgreSQL text cannot hold them, and no bank value needs one.
    cleaned = [f"NULLIF(trim(replace({_q(c.name)}, chr(0), '')), '') AS {_q(c.name)}" if c.name in present
               else f"NULL::VARCHAR AS {_q(c.name)}" for c in columns]
    extras = sorted(present - known - {"_line", "table"})
    extra = "json_object(" + ", ".join(f"'{_lit(e)}', {_q(e)}" for e in extras) + ")::VARCHAR" if extras else "NULL::VARCHAR"
    typed = [f"{_typed(column)} AS {_q('__t_' + column.name)}" for column in columns]
    joins, checks = [], []
    for column in columns:
        raw, value = _q(column.name), _q("__t_" + column.name)
        if column.required:
            checks.append(_Check(f"{raw} IS NULL", "missing_required", column.name))
        if column.kind in _SHAPE:
            reason, shape = _SHAPE[column.kind]
            bad = f"{value} IS NULL" + (f" OR NOT regexp_full_match({raw}, '{shape}')" if shape else "")
            bad += _STRICT.get(column.kind, "").replace("{c}", raw)
            if column.kind is Kind.FLOAT:
                bad += f" OR isnan({value}) OR isinf({value})"
            checks.append(_Check(f"{raw} IS NOT NULL AND ({bad})", reason, column.name))
        if column.kind is Kind.JSON:
            # A valid JSON text that starts with '{' is an object; json_type would fail on invalid text.
            checks.append(_Check(f"{raw} IS NOT NULL AND (NOT json_valid({raw}) OR NOT starts_with(ltrim({raw}), '{{'))",
                                 "bad_json", column.name))
        if column.ge is not None or column.le is not None:
            low = column.ge if column.ge is not None else "-'inf'::DOUBLE"
            high = column.le if column.le is not None else "'inf'::DOUBLE"
            checks.append(_Check(f"{value} NOT BETWEEN {low} AND {high}", "out_of_range", column.name))
    for name, reference in references.items():
        joins.append(f"LEFT JOIN (SELECT DISTINCT key FROM ref_{name}) AS ref_{name} ON ref_{name}.key = s.{_q(reference.column)}")
        typed.append(f"ref_{name}.key AS {_q('__ref_' + name)}")
        checks.append(_Check(f"{_q(reference.column)} IS NOT NULL AND {_q('__ref_' + name)} IS NULL", reference.reason, reference.column))
    first_failing = "CASE " + " ".join(f"WHEN {check.condition} THEN {k}" for k, check in enumerate(checks)) + " END" if checks else "NULL"
    output = ", ".join(f"{_q('__t_' + column.name)} AS {_q(column.name)}" for column in columns)
    sql = f"""
        WITH s AS (SELECT _line, {", ".join(cleaned)}, {extra} AS extra FROM raw_batch),
        t AS (SELECT s.*, {", ".join(typed)} FROM s {" ".join(joins)})
        SELECT {output}, extra, _line, {first_failing}::INTEGER AS _check FROM t ORDER BY _line"""
    return sql, checks


def _typed(column: Column) -> str:
    c = f"s.{_q(column.name)}"
    if column.kind is Kind.TEXT:
        return f"lower({c})" if column.name in EMAIL_COLUMNS else f"nfc_normalize({c})"
    return _fill(_CAST[column.kind], c)


def _rejects(connection: duckdb.DuckDBPyConnection, rejected: pa.Table, checks: list[_Check],
             references: Mapping[str, Reference]) -> list[Reject]:
    connection.register("rejected_lines", rejected.select(["_line", "_check"]))
    try:
        rows = connection.sql(
            "SELECT r.*, l._check FROM raw_batch AS r JOIN rejected_lines AS l USING (_line) ORDER BY _line"
        ).to_arrow_table().to_pylist()
    finally:
        connection.unregister("rejected_lines")
    targets = {reference.reason: reference.target for reference in references.values()}
    out = []
    for row in rows:
        line, check = row.pop("_line"), checks[row.pop("_check")]
        raw = {key: value for key, value in row.items() if value is not None}
        out.append(Reject(line, check.reason, check.column, _message(check.reason, check.column, raw.get(check.column), targets), raw))
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
