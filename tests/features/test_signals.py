"""The feature families that show intent and life events: pages read, salary changes, spending shifts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from savile.features import FeatureBuilder
from savile.workspace import Workspace

AS_OF = date(2026, 8, 31)
END = datetime(2026, 9, 1, tzinfo=timezone.utc)


@pytest.fixture
def bank(small_bank: Workspace) -> Iterator[Workspace]:
    """The shared small bank; rows this test adds carry ids starting 'signal-' and are removed after."""
    yield small_bank
    small_bank.analytics.run("DELETE FROM interactions WHERE event_id LIKE 'signal-%'")
    small_bank.analytics.run("DELETE FROM transactions WHERE transaction_id LIKE 'signal-%'")


def _row(table: pa.Table, customer: str) -> dict:  # type: ignore[type-arg]
    return table.slice(table.column("customer_id").to_pylist().index(customer), 1).to_pylist()[0]


def _add(bank: Workspace, table: str, rows: dict) -> None:  # type: ignore[type-arg]
    bank.analytics.connection.register("added", pa.table(rows))
    try:
        bank.analytics.run(f"INSERT INTO {table} BY NAME SELECT * FROM added")
    finally:
        bank.analytics.connection.unregister("added")


def test_pages_read_are_counted_per_page_and_window(bank: Workspace) -> None:
    builder = FeatureBuilder(bank.store, bank.analytics)
    page = max((f.name for f in builder.catalogue() if f.name.startswith("viewed_") and f.name.endswith("_30d")), key=len)
    slug = page.removeprefix("viewed_").removesuffix("_30d")
    name = bank.analytics.run("SELECT DISTINCT json_extract_string(properties, '$.page') FROM interactions "
                              "WHERE event_type = 'screen_view'")
    written = next(value for (value,) in name if value and value.lower().replace(" ", "_") == slug)
    device, customer = bank.analytics.run("SELECT i.device_id, i.customer_id FROM interactions_resolved i "
                                          "WHERE i.linked_by = 'device' OR i.linked_by = 'source_id' AND i.device_id IS NOT NULL LIMIT 1")[0]
    before = _row(builder.features_as_of(AS_OF).table, customer)
    days_back = [1, 2, 20, 60]  # three in the last 30 days, one more in the last 90
    _add(bank, "interactions", {
        "event_id": [f"signal-{d}" for d in days_back], "occurred_at": pa.array([END - timedelta(days=d) for d in days_back],
                                                                                 pa.timestamp("us", tz="UTC")),
        "channel": ["mobile_app"] * 4, "event_type": ["screen_view"] * 4, "device_id": [device] * 4,
        "properties": [f'{{"page": "{written}"}}'] * 4,
    })
    after = _row(FeatureBuilder(bank.store, bank.analytics).features_as_of(AS_OF).table, customer)
    assert after[f"viewed_{slug}_30d"] - before[f"viewed_{slug}_30d"] == 3
    assert after[f"viewed_{slug}_90d"] - before[f"viewed_{slug}_90d"] == 4


def test_a_salary_rise_and_a_spending_spike_show_against_the_customers_own_past(bank: Workspace) -> None:
    builder = FeatureBuilder(bank.store, bank.analytics)
    account, customer, salary = bank.analytics.run("""
        SELECT t.account_id, a.customer_id, median(t.amount) FROM transactions t JOIN account_map a USING (account_id)
        WHERE t.channel = 'salary' AND t.booked_at < TIMESTAMPTZ '2026-08-01' GROUP BY ALL HAVING count(*) >= 3 LIMIT 1""")[0]
    before = _row(builder.features_as_of(AS_OF).table, customer)
    _add(bank, "transactions", {
        "transaction_id": ["signal-salary", "signal-sofa"], "account_id": [account, account],
        "booked_at": pa.array([END - timedelta(days=3), END - timedelta(days=5)], pa.timestamp("us", tz="UTC")),
        "amount": pa.array([salary * 2, -5000], pa.decimal128(19, 4)), "currency": ["GBP", "GBP"],
        "channel": ["salary", "card_pos"], "mcc": [None, "5712"],
    })
    after = _row(FeatureBuilder(bank.store, bank.analytics).features_as_of(AS_OF).table, customer)
    assert after["txn_salary_change"] == pytest.approx(2.0, rel=0.01)
    assert before["txn_salary_change"] is None or before["txn_salary_change"] < 1.5
    assert after["txn_home_trend"] > (before["txn_home_trend"] or 0) and after["txn_home_share_90d"] > (before["txn_home_share_90d"] or 0)
    assert after["txn_home_trend"] == pytest.approx(float(after["txn_home_spend_30d"]) / (float(after["txn_home_spend_365d"]) * 30 / 365))
