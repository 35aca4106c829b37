"""Features as of a date, computed in DuckDB from what was known at the end of that date.

Every query bounds history by the as-of moment: transactions booked and events that occurred
before the end of the day, holdings opened by then (and held at each lag), golden customers who
held an open product that day. The golden attributes themselves (income, employment) are the
latest known; the contract does not date them.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import sqlalchemy as sa
import sqlglot

from savile.features.catalogue import (
    DEMOGRAPHICS,
    INTERACTION_PARTIALS,
    SALARY_CHANGE,
    TRANSACTION_PARTIALS,
    Feature,
    Windowed,
    interaction_features,
    interaction_value_features,
    mcc_sets,
    only_where,
    product_features,
    spending_mix_features,
    sql_literal,
    transaction_features,
)
from savile.identity._queries import linked_on
from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import customer_links, customers, holdings, products


@dataclass
class FeatureSet:
    as_of: date
    table: pa.Table  # customer_id, then one column per feature

    @property
    def names(self) -> list[str]:
        return self.table.column_names[1:]

    @property
    def customers(self) -> list[str]:
        return self.table.column("customer_id").to_pylist()

    def floats(self, name: str) -> np.ndarray:
        """One feature as floats; a name the set lacks is all missing (a page nobody visits any more)."""
        if name not in self.table.column_names:
            return np.full(self.table.num_rows, np.nan)
        return np.asarray(self.table.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)

    def matrix(self, names: list[str] | None = None) -> np.ndarray:
        """One float column per name, the set's own by default."""
        columns = [self.floats(name) for name in names or self.names]
        return np.column_stack(columns) if columns else np.zeros((self.table.num_rows, 0))


CUSTOMERS_PER_PASS = 20_000  # customers whose features one query computes: bounds DuckDB's memory (100,000 spilled past 1 GB)


class FeatureBuilder:
    """Pushes golden customers and resolved holdings to DuckDB once, then computes features for
    any number of dates with set-based SQL (no per-customer Python)."""

    def __init__(self, store: SqlStore, analytics: DuckDBAnalyticalStore, customers_per_pass: int = CUSTOMERS_PER_PASS) -> None:
        self.store, self.analytics = store, analytics
        self.customers_per_pass = customers_per_pass
        self._slices: dict[str, dict[int, str]] | None = None  # table → pass number → that pass's Parquet files
        with store.begin() as connection:
            self.products = [dict(r) for r in connection.execute(sa.select(products).order_by(products.c.product_code)).mappings()]
            golden = connection.execute(sa.select(
                customers.c.customer_id, customers.c.birth_date, customers.c.customer_since, customers.c.income_annual,
                customers.c.employment_status, customers.c.country,
            ).where(customers.c.status == "active")).mappings().all()
            held = connection.execute(sa.select(customer_links.c.customer_id, holdings.c.source, holdings.c.product_code,
                                                holdings.c.opened_at, holdings.c.closed_at).join(customer_links, linked_on(holdings))).mappings().all()
        self._publish("golden", golden, {"customer_id": pa.string(), "birth_date": pa.date32(), "customer_since": pa.date32(),
                                         "income_annual": pa.float64(), "employment_status": pa.string(), "country": pa.string()})
        self._publish("holdings_resolved", held, {"customer_id": pa.string(), "source": pa.string(), "product_code": pa.string(),
                                                  "opened_at": pa.date32(), "closed_at": pa.date32()})
        self.product_codes = [p["product_code"] for p in self.products]
        self._transactions = transaction_features()
        self._interactions = interaction_features() + interaction_value_features(*self._observed_pages_and_app_features())
        self._products = product_features(self.product_codes)
        self._mix = spending_mix_features()
        self._mccs = [row[0] for row in analytics.connection.sql(
            "SELECT DISTINCT mcc FROM transactions WHERE mcc IS NOT NULL ORDER BY 1").fetchall()]

    def catalogue(self) -> list[Feature]:
        """Every feature, in the order of the columns ``features_as_of`` returns."""
        return ([f for f, _ in DEMOGRAPHICS] + [f for f, source, _ in self._products if source == "h"]
                + [f for f, _ in self._transactions] + [f for f, _ in self._interactions]
                + [f for f, source, _ in self._products if source == "i"] + [f for f, _ in self._mix])

    def features_as_of(self, as_of: date, only: Sequence[str] | None = None) -> FeatureSet:
        """Every feature of every customer in ``population(as_of)``, or of those of them ``only``
        names (a training sample), one pass per ``customers_per_pass`` customers (in id order, so
        the passes join up sorted): DuckDB's wide aggregates for a million customers at once
        outgrew its memory limit, a slice of them does not. A sample's passes each take as many
        consecutive slices as hold ``customers_per_pass`` of its customers: at 1M, a sample of a
        tenth ran fifty passes that each found a few customers in a slice."""
        sql = self._query()
        passes = self._passes()
        sliced = self._written_by_slice() if len(passes) > 1 else {}
        tables = []
        with self._wanted(only):
            for numbers in _grouped(passes, only, self.customers_per_pass):
                own = {table: _slice_of(table, [files[n] for n in numbers if n in files]) for table, files in sliced.items()}
                query = _within(sql, passes[numbers[0]][0], passes[numbers[-1]][1], own, wanted=only is not None)
                tables.append(self.analytics.connection.sql(_bind(query, as_of)).to_arrow_table())
        return FeatureSet(as_of, pa.concat_tables(tables) if len(tables) > 1 else tables[0])

    def population(self, as_of: date) -> list[str]:
        """The customers ``features_as_of`` covers: golden customers who held an open product on ``as_of``, in id order."""
        query = f"SELECT h.customer_id FROM ({_HOLDERS}) h JOIN golden g ON g.customer_id = h.customer_id ORDER BY 1"
        return [row[0] for row in self.analytics.connection.sql(_bind(query, as_of)).fetchall()]

    @contextlib.contextmanager
    def _wanted(self, only: Sequence[str] | None) -> Iterator[None]:
        """``only`` as the table ``_WANTED`` while the passes run."""
        if only is None:
            yield
            return
        connection = self.analytics.connection
        connection.register(_WANTED, pa.table({"customer_id": pa.array(list(only), pa.string())}))
        try:
            yield
        finally:
            connection.unregister(_WANTED)

    def _written_by_slice(self) -> dict[str, dict[int, str]]:
        """The transactions and the resolved interactions written once into one Parquet folder per
        pass's slice of customers, so that a pass reads its own instead of them all: at 1M
        customers the eleven full scans of 250M transactions were most of 43 minutes a date, and
        every pass resolved every interaction to its customer (a view) only to keep a tenth. Written
        on the first date and kept for the builder's life (its golden records and holdings are fixed
        at creation too). An account shared by two customers of one slice is written to it once:
        the pass joins the account map."""
        if self._slices is None:
            folder = Path(tempfile.mkdtemp(prefix="savile-slices-", dir=_beside(self.analytics.path)))
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
            slices = f"""SELECT customer_id, (row_number() OVER (ORDER BY customer_id) - 1) // {int(self.customers_per_pass)} AS {_SLICE}
                         FROM golden"""
            written = {
                "transactions": f"""SELECT {_columns("t", "transactions")}, s.{_SLICE} FROM transactions t JOIN (
                                        SELECT DISTINCT a.account_id, g.{_SLICE} FROM account_map a JOIN ({slices}) g
                                        ON g.customer_id = a.customer_id) s ON s.account_id = t.account_id""",
                "interactions_resolved": f"""SELECT {_columns("i", "interactions_resolved")}, g.{_SLICE} FROM interactions_resolved i
                                             JOIN ({slices}) g ON g.customer_id = i.customer_id""",
            }
            connection = self.analytics.connection
            connection.execute("SET preserve_insertion_order = false")  # lets the partitioned writes stream in bounded memory
            try:
                for table, query in written.items():
                    connection.execute(f"COPY ({query}) TO {sql_literal(str(folder / table))} (FORMAT parquet, PARTITION_BY ({_SLICE}))")
            finally:
                connection.execute("RESET preserve_insertion_order")
            self._slices = {table: {int(part.name.split("=", 1)[1]): str(part / "*.parquet") for part in (folder / table).glob(f"{_SLICE}=*")}
                            for table in written}
        return self._slices

    def _passes(self) -> list[tuple[str | None, str | None]]:
        """Customer id ranges [low, high) of at most ``customers_per_pass`` golden customers each."""
        edges = [row[0] for row in self.analytics.connection.sql(f"""
            SELECT customer_id FROM (SELECT customer_id, row_number() OVER (ORDER BY customer_id) - 1 AS n FROM golden)
            WHERE n > 0 AND n % {int(self.customers_per_pass)} = 0 ORDER BY customer_id""").fetchall()]
        bounds: list[str | None] = [None, *edges, None]
        return list(itertools.pairwise(bounds))

    def spark_sql(self, as_of: date) -> str:
        """The same features as Spark SQL, translated by SQLGlot, for a bank that outgrows one
        machine: it reads tables or views named and shaped as here (``golden``,
        ``holdings_resolved``, ``transactions``, ``account_map``, ``interactions_resolved``)."""
        tree = sqlglot.parse_one(_bind(self._query(), as_of), read="duckdb")
        for cte in tree.find_all(sqlglot.exp.CTE):
            cte.set("materialized", None)  # DuckDB's hint to compute a CTE once; Spark plans its own
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)

    def adoptions_after(self, as_of: date, until: date | None = None) -> pa.Table:
        """customer_id, product_code: products opened after ``as_of`` and by ``until`` (a month
        later by default) by customers who did not hold them on ``as_of`` (a snapshot's labels)."""
        end = until or add_months(as_of, 1)
        return self.analytics.connection.sql(f"""
            SELECT DISTINCT n.customer_id, n.product_code FROM holdings_resolved n
            WHERE n.opened_at > DATE '{as_of}' AND n.opened_at <= DATE '{end}'
              AND NOT EXISTS (SELECT 1 FROM holdings_resolved o WHERE o.customer_id = n.customer_id
                              AND o.product_code = n.product_code AND o.opened_at <= DATE '{as_of}'
                              AND (o.closed_at IS NULL OR o.closed_at > DATE '{as_of}'))
            ORDER BY 1, 2""").to_arrow_table()

    def _query(self) -> str:
        product_h = [(f, sql) for f, source, sql in self._products if source == "h"]
        product_i = [(f, sql) for f, source, sql in self._products if source == "i"]
        columns = [f"{sql} AS {f.name}" for f, sql in DEMOGRAPHICS]
        selected = [f"hf.{f.name}" for f, _ in product_h] + [f"tf.{f.name}" for f, _ in self._transactions]
        selected += [f"inf.{f.name}" for f, _ in [*self._interactions, *product_i]]
        selected += [f"{sql} AS {f.name}" for f, sql in self._mix]
        transactions, interactions = _in_bands(self._transactions), _in_bands([*self._interactions, *product_i])
        return f"""
            WITH base AS ({_HOLDERS}),
            hf AS (
                SELECT h.customer_id, {_aggregates(product_h) or "1 AS no_holding_features"}
                FROM holdings_resolved h WHERE h.opened_at <= $as_of GROUP BY h.customer_id
            ),
            mcc_sets AS MATERIALIZED ({mcc_sets(self._mccs)}),
            tp AS MATERIALIZED ({TRANSACTION_PARTIALS}),
            tb AS (SELECT p.customer_id, p.band, {transactions.per_band} FROM tp p GROUP BY 1, 2),
            ts AS ({SALARY_CHANGE}),
            tf AS (
                SELECT b.customer_id, {transactions.per_customer}
                FROM tb b LEFT JOIN ts s ON s.customer_id = b.customer_id GROUP BY b.customer_id
            ),
            ip AS MATERIALIZED ({INTERACTION_PARTIALS}),
            ib AS (SELECT p.customer_id, p.band, {interactions.per_band} FROM ip p GROUP BY 1, 2),
            inf AS (SELECT b.customer_id, {interactions.per_customer} FROM ib b GROUP BY b.customer_id)
            SELECT base.customer_id, {", ".join(columns + selected)}
            FROM base JOIN golden g ON g.customer_id = base.customer_id
            LEFT JOIN hf ON hf.customer_id = base.customer_id
            LEFT JOIN tf ON tf.customer_id = base.customer_id
            LEFT JOIN inf ON inf.customer_id = base.customer_id
            ORDER BY base.customer_id"""

    def _observed_pages_and_app_features(self, most: int = 40) -> tuple[list[str], list[str]]:
        """The pages and app features customers use most, from the bank's own events (the names
        differ from bank to bank; rarely seen ones would only add noise)."""
        def top(event_types: str, field: str) -> list[str]:
            rows = self.analytics.connection.sql(f"""
                SELECT json_extract_string(properties, '$.{field}') AS value FROM interactions_resolved
                WHERE event_type IN ({event_types}) AND value IS NOT NULL
                GROUP BY value HAVING count(*) >= 20 ORDER BY count(*) DESC, value LIMIT {most}""").fetchall()
            return sorted(row[0] for row in rows)
        return top("'page_view', 'screen_view'", "page"), top("'feature_used'", "feature")

    def _publish(self, name: str, rows: list, schema: dict[str, pa.DataType]) -> None:  # type: ignore[type-arg]
        table = pa.table({column: pa.array([_plain(row[column]) for row in rows], kind) for column, kind in schema.items()})
        self.analytics.replace_table(name, table)


# The query's inputs keyed by customer: a pass shadows each with its slice (a CTE of the same
# name wins over the table), and the ones written per slice with their own Parquet files.
_BY_CUSTOMER = ("golden", "holdings_resolved", "account_map", "interactions_resolved")
_SLICE = "savile_slice"
# The columns the query reads of the tables written by slice: the rest (descriptions, merchant
# names, JSON extras, ids) made up most of what the first date wrote.
_READ_COLUMNS = {"transactions": ("account_id", "booked_at", "amount", "channel", "mcc", "country"),
                 "interactions_resolved": ("customer_id", "event_type", "occurred_at", "properties")}
_WANTED = "savile_wanted"  # the customers a sample asks for
_HOLDERS = """SELECT DISTINCT customer_id FROM holdings_resolved
               WHERE opened_at <= $as_of AND (closed_at IS NULL OR closed_at > $as_of)"""


def _columns(alias: str, table: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in _READ_COLUMNS[table])


def _grouped(passes: list[tuple[str | None, str | None]], only: Sequence[str] | None, most: int) -> list[list[int]]:
    """Pass numbers in runs of consecutive ones: one each for the whole base; for a sample
    (``only``), as many as hold about ``most`` of its customers."""
    if only is None:
        return [[number] for number in range(len(passes))]
    wanted = sorted(only)
    groups: list[list[int]] = [[]]
    count = 0
    for number, (low, high) in enumerate(passes):
        if count >= most:
            groups.append([])
            count = 0
        groups[-1].append(number)
        count += _inside(wanted, low, high)
    return groups


def _inside(ordered: list[str], low: str | None, high: str | None) -> int:
    """How many of ``ordered`` fall in [low, high) (None: unbounded on that side)."""
    start = bisect.bisect_left(ordered, low) if low is not None else 0
    end = bisect.bisect_left(ordered, high) if high is not None else len(ordered)
    return end - start


def _slice_of(table: str, files: list[str]) -> str:
    """The query for one pass's rows of ``table``: its slices' Parquet files (a slice whose
    customers have none has no files)."""
    if not files:
        return f"SELECT * FROM main.{table} WHERE FALSE"
    listed = ", ".join(sql_literal(f) for f in files)
    return f"SELECT * EXCLUDE ({_SLICE}) FROM read_parquet([{listed}], hive_partitioning = true)"


def _within(sql: str, low: str | None, high: str | None, own: dict[str, str] | None = None, wanted: bool = False) -> str:
    """``sql`` over the customers in [low, high) (and in ``_WANTED`` with ``wanted``); ``own``,
    queries for their rows of the tables written by slice (transactions follow the account map)."""
    bounds = [f"customer_id >= {sql_literal(low)}"] if low is not None else []
    bounds += [f"customer_id < {sql_literal(high)}"] if high is not None else []
    bounds += [f"customer_id IN (SELECT customer_id FROM {_WANTED})"] if wanted else []
    if not bounds:
        return sql
    own = own or {}
    where = " AND ".join(bounds)
    slices = [f"{name} AS (SELECT * FROM {f'({own[name]})' if name in own else f'main.{name}'} WHERE {where})" for name in _BY_CUSTOMER]
    others = {name: query for name, query in own.items() if name not in _BY_CUSTOMER}
    if wanted and "transactions" in others:
        # A sample's transactions keep only its customers' accounts before the CTE is materialised:
        # it had held every transaction of the pass's slices (6.9M rows where the sample's were 0.4M).
        others["transactions"] = f"SELECT * FROM ({others['transactions']}) WHERE account_id IN (SELECT account_id FROM account_map)"
    slices += [f"{name} AS ({query})" for name, query in others.items()]
    head, rest = sql.split("WITH", 1)
    return f"{head}WITH {', '.join(slices)},{rest}"


def _beside(database: str) -> str | None:
    """The folder of the DuckDB file (the disk meant for analytics data); the system's temporary folder for ``:memory:``."""
    return None if database in ("", ":memory:") else str(Path(database).resolve().parent)


def _aggregates(features: list[tuple[Feature, str]]) -> str:
    return ", ".join(f"{sql} AS {feature.name}" for feature, sql in features)


@dataclass(frozen=True)
class _Bands:
    per_band: str  # aggregates over partial rows ``p``, grouped by customer and band
    per_customer: str  # the features over those band rows ``b``


def _in_bands(features: list[tuple[Feature, Windowed | str]]) -> _Bands:
    """Each distinct measure once per band (``m0``, ``m1``...), then each feature from its bands."""
    measures: dict[tuple[str, str], str] = {}
    out = []
    for feature, definition in features:
        if isinstance(definition, str):
            out.append(f"{definition} AS {feature.name}")
            continue
        column = measures.setdefault((definition.per_band, definition.combine), f"m{len(measures)}")
        value = (only_where(definition.combine, f"b.{column}", f"b.band <= {definition.days}") if definition.days is not None
                 else f"{definition.combine}(b.{column})")
        if definition.combine == "sum":
            value = f"coalesce({value}, 0)"
        if definition.whole:
            value = f"CAST({value} AS BIGINT)"
        out.append(f"{definition.then.format(value)} AS {feature.name}")
    per_band = ", ".join(f"{sql} AS {column}" for (sql, _), column in measures.items())
    return _Bands(per_band or "0 AS no_measures", ", ".join(out))


def _bind(sql: str, as_of: date) -> str:
    end = datetime.combine(as_of + timedelta(days=1), time(), timezone.utc)
    return sql.replace("$as_of_end", f"TIMESTAMPTZ '{end.isoformat()}'").replace("$as_of", f"DATE '{as_of.isoformat()}'")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clipped to the month's end: 31 Mar - 1 → 28/29 Feb."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


def _plain(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value
