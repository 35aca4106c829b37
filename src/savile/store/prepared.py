"""Statements on a decision's hot path, compiled once per dialect and run on the driver's cursor.

SQLAlchemy does two things for each statement: it renders the SQL for the dialect with its
parameters in order and the column types' conversions, once; and, at every execution, it
computes the statement's cache key, builds an execution context and wraps the result. For a
decision's six short statements the second part cost more than the database itself: the three
state reads took 270 µs through ``Connection.execute`` and 82 µs on the cursor
(docs/benchmarks.md). A ``Prepared`` statement keeps the first part and skips the second. It
runs on a SQLAlchemy connection, inside that connection's transaction, and driver errors come
out as SQLAlchemy's own exceptions, so callers cannot tell the difference.

Only plain binds: an expanding ``IN`` is rendered anew for each list, so those statements stay
with ``Connection.execute``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # parameter names in order for a positional driver (SQLite); None: by name (psycopg)
    defaults: dict[str, Any]  # values the statement binds itself (literals such as 'active')
    binds: dict[str, Processor]
    keys: tuple[str, ...]  # the result's column names
    types: tuple[Any, ...]  # the result columns' types, for this dialect
    results: tuple[Processor, ...] | None = None  # their conversions, once the driver has described the columns

    def conversions(self, dialect: Dialect, description: Sequence[Sequence[Any]] | None) -> tuple[Processor, ...]:
        # As SQLAlchemy does: some conversions depend on the type the driver reports (PostgreSQL's numerics).
        if self.results is None:
            self.results = tuple(kind.result_processor(dialect, column[1]) for kind, column in zip(self.types, description or (), strict=True))
        return self.results


class Prepared:
    """``statement`` run as ``Connection.execute`` would run it, for what it costs the driver.
    An INSERT names the columns its rows give (``columns``), as SQLAlchemy would from the rows."""

    def __init__(self, statement: sa.Executable, columns: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, connection: sa.Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row, its values converted by their columns' types."""
        compiled = self._compiled(connection.dialect)
        cursor = self._run(connection, compiled, [params])
        try:
            fetched = cursor.fetchall()
            processors = compiled.conversions(connection.dialect, cursor.description)
        finally:
            cursor.close()
        if not any(processors):
            return [tuple(row) for row in fetched]
        return [tuple(value if process is None else process(value) for value, process in zip(row, processors, strict=True))
                for row in fetched]

    def mappings(self, connection: sa.Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        keys = self._compiled(connection.dialect).keys
        return [dict(zip(keys, row, strict=True)) for row in self.rows(connection, params)]

    def scalar(self, connection: sa.Connection, params: Mapping[str, Any]) -> Any:  # noqa: ANN401 — the column's type
        found = self.rows(connection, params)
        if len(found) != 1:
            raise sa.exc.NoResultFound("No row was found.") if not found else sa.exc.MultipleResultsFound("Multiple rows were found.")
        return found[0][0]

    def execute_many(self, connection: sa.Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """One statement for every parameter set (the driver's ``executemany``)."""
        if params:
            self._run(connection, self._compiled(connection.dialect), params).close()

    def _run(self, connection: sa.Connection, compiled: _Compiled, params: Sequence[Mapping[str, Any]]) -> Any:  # noqa: ANN401
        bound = [_bind(compiled, values) for values in params]
        cursor = connection.connection.cursor()
        try:
            if len(bound) == 1:
                cursor.execute(compiled.sql, bound[0])
            else:
                cursor.executemany(compiled.sql, bound)
        except connection.dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise sa.exc.DBAPIError.instance(compiled.sql, bound[0] if len(bound) == 1 else bound, error,
                                             connection.dialect.loaded_dbapi.Error, dialect=connection.dialect) from error
        return cursor

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self.statement, dialect, self.columns)
        return found


def _compile(statement: sa.Executable, dialect: Dialect, columns: list[str] | None) -> _Compiled:
    # For an INSERT's rows, no RETURNING of the new keys (PostgreSQL adds one for a single row).
    compiled = (statement.compile(dialect=dialect) if columns is None
                else statement.compile(dialect=dialect, column_keys=columns, for_executemany=True))
    if any(bind.expanding for bind in compiled.binds.values()):
        raise ValueError("A prepared statement takes plain binds only; run expanding IN lists with Connection.execute.")
    required = [bind.key for bind in compiled.binds.values() if bind.required]
    binds = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in compiled.binds.items()}
    exported = getattr(statement, "exported_columns", None) or ()
    types = tuple(column.type.dialect_impl(dialect) for column in exported)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
    defaults = compiled.construct_params(dict.fromkeys(required))  # the literals' values, under the names the SQL uses
    return _Compiled(compiled.string, order, defaults, binds, tuple(exported.keys()) if exported else (), types)


def _bind(compiled: _Compiled, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
    defaults, binds = compiled.defaults, compiled.binds
    if compiled.order is None:
        merged = {**defaults, **values}
        return {name: value if (process := binds.get(name)) is None else process(value) for name, value in merged.items()}
    ordered = ((name, values[name] if name in values else defaults[name]) for name in compiled.order)
    return [value if (process := binds.get(name)) is None else process(value) for name, value in ordered]
