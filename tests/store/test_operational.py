"""The storage suite: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from savile.exceptions import StoreError
from savile.ingest.sinks import OperationalSink
from savile.store import SqlStore
from savile.store.tables import customer_records, holdings

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def _customer(source_id: str, updated_at: datetime, **values: object) -> dict[str, object]:
    row = {column.name: None for column in customer_records.columns if column.name != "record_id"}
    row.update(source="core", source_customer_id=source_id, updated_at=updated_at, **values)
    return row


def test_store_keeps_money_exact_and_times_in_utc(store: SqlStore) -> None:
    cet = timezone(timedelta(hours=1))
    OperationalSink(store, customer_records, ("source", "source_customer_id"), "updated_at").write(
        [_customer("A", datetime(2026, 3, 1, 10, 0, tzinfo=cet), income_annual=Decimal("41000.10"), birth_date=date(1984, 3, 9))]
    )
    with store.begin() as connection:
        row = connection.execute(sa.select(customer_records)).mappings().one()
    assert row["income_annual"] == Decimal("41000.1000")
    assert row["updated_at"] == datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert row["birth_date"] == date(1984, 3, 9)


def test_store_newest_updated_at_wins_whatever_the_order(store: SqlStore) -> None:
    sink = OperationalSink(store, customer_records, ("source", "source_customer_id"), "updated_at")
    newer = _customer("A", T0 + timedelta(days=1), city="Leeds")
    older = _customer("A", T0, city="York")
    first = sink.write([newer])
    second = sink.write([older])
    third = sink.write([newer])
    assert (first.inserted, second.unchanged, third.unchanged) == (1, 1, 1)
    with store.begin() as connection:
        assert connection.execute(sa.select(customer_records.c.city)).scalar_one() == "Leeds"


def test_store_later_row_replaces_a_changed_holding(store: SqlStore) -> None:
    sink = OperationalSink(store, holdings, ("account_id",))
    row = {"account_id": "A1", "source": "core", "source_customer_id": "C1", "product_code": "P", "opened_at": date(2020, 1, 1),
           "closed_at": None, "balance": Decimal("10.00"), "currency": "GBP", "extra": None}
    assert sink.write([row]).inserted == 1
    assert sink.write([{**row, "closed_at": date(2026, 1, 1)}]).updated == 1
    assert sink.write([{**row, "closed_at": date(2026, 1, 1)}]).unchanged == 1


CITY = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 5), CITY), min_size=1, max_size=12))
def test_store_upsert_matches_a_newest_wins_oracle(store: SqlStore, writes: list[tuple[str, int, str]]) -> None:
    with store.begin() as connection:
        connection.execute(sa.delete(customer_records))
    sink = OperationalSink(store, customer_records, ("source", "source_customer_id"), "updated_at")
    expected: dict[str, tuple[int, str]] = {}
    for key, day, city in writes:
        sink.write([_customer(key, T0 + timedelta(days=day), city=city)])
        if key not in expected or day > expected[key][0]:
            expected[key] = (day, city)
    with store.begin() as connection:
        stored = {r.source_customer_id: ((r.updated_at - T0).days, r.city) for r in connection.execute(sa.select(customer_records))}
    assert stored == expected


def test_store_reports_an_unreachable_database_clearly() -> None:
    store = SqlStore("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="Is the database reachable"):
        with store.begin() as connection:
            connection.execute(sa.text("SELECT 1"))


def test_store_statistics_are_refreshed_after_a_bulk_load(store: SqlStore) -> None:
    sink = OperationalSink(store, customer_records, ("source", "source_customer_id"), "updated_at")
    sink.write([_customer(f"C{i}", T0) for i in range(300)])
    store.refresh_statistics()
    if store.dialect == "postgresql":  # the planner's row estimate, which ANALYZE sets
        with store.begin() as connection:
            estimate = connection.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'customer_records'::regclass")).scalar()
        assert estimate == 300
