"""Features as of a date ignore what became known after it, including who knows the customer."""

from __future__ import annotations

import gc
import itertools
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from savile.features import FeatureBuilder
from savile.features.pipeline import CUSTOMERS_PER_PASS, _grouped
from savile.identity import resolve
from savile.store.tables import customer_links
from savile.workspace import Workspace
from tests.ingest.helpers import ingest, write

AS_OF = date(2026, 2, 28)
SMALL_BANK_AS_OF = date(2026, 9, 30)  # inside the small bank's six months, with history behind it


def test_a_system_that_first_knows_the_customer_later_changes_nothing_before(workspace: Workspace, example_folder: Path,
                                                                            tmp_path: Path) -> None:
    ingest(workspace, example_folder)
    resolve(workspace.store, workspace.analytics, ["core"])
    before = FeatureBuilder(workspace.store, workspace.analytics).features_as_of(AS_OF).table

    later = tmp_path / "later"
    later.mkdir()
    write(later / "customers.csv", "source,source_customer_id,first_name,last_name,birth_date,email,national_id,customer_since,updated_at\n"
                                   "brokerage,B-1,Aleksandr,Petrov,1984-03-09,a.petrov@example.com,QQ123456C,2026-06-01,2026-06-01T09:00:00Z\n")
    write(later / "holdings.csv", "source,source_customer_id,account_id,product_code,opened_at,closed_at,balance,currency\n"
                                  "brokerage,B-1,BRK-1,CURRENT,2026-06-01,,10.00,GBP\n")
    ingest(workspace, later)
    resolve(workspace.store, workspace.analytics, ["core"])
    with workspace.store.begin() as connection:
        owners = dict(connection.execute(sa.select(customer_links.c.source_customer_id, customer_links.c.customer_id)
                                         .where(customer_links.c.source_customer_id.in_(["C-1001", "B-1"]))).all())
    assert owners["B-1"] == owners["C-1001"]  # the new system's record joined the customer

    after = FeatureBuilder(workspace.store, workspace.analytics).features_as_of(AS_OF).table
    assert after.equals(before)
    systems = lambda table: dict(zip(table.column("customer_id").to_pylist(), table.column("holding_systems").to_pylist(), strict=True))  # noqa: E731
    later_on = FeatureBuilder(workspace.store, workspace.analytics).features_as_of(date(2026, 6, 30)).table
    assert systems(later_on)[owners["B-1"]] == systems(before)[owners["B-1"]] + 1  # and counts once it is known


def test_age_counts_whole_years_lived(workspace: Workspace, example_folder: Path) -> None:
    ingest(workspace, example_folder)
    resolve(workspace.store, workspace.analytics, ["core"])
    with workspace.store.begin() as connection:
        owner = connection.execute(sa.select(customer_links.c.customer_id).where(customer_links.c.source_customer_id == "C-1001")).scalar()
    builder = FeatureBuilder(workspace.store, workspace.analytics)
    age = lambda day: dict(zip(*(builder.features_as_of(day).table.column(c).to_pylist() for c in ("customer_id", "age_years")),  # noqa: E731
                               strict=True))[owner]
    assert age(date(2026, 3, 8)) == 41  # born 1984-03-09: the day before the birthday
    assert age(date(2026, 3, 9)) == 42
    assert age(date(2025, 12, 31)) == 41


def test_features_computed_in_slices_of_customers_equal_one_pass(small_bank: Workspace) -> None:
    whole = FeatureBuilder(small_bank.store, small_bank.analytics).features_as_of(SMALL_BANK_AS_OF).table
    sliced = FeatureBuilder(small_bank.store, small_bank.analytics, customers_per_pass=37).features_as_of(SMALL_BANK_AS_OF).table
    assert whole.num_rows > 37 * 3
    assert sliced.equals(whole)


@pytest.mark.parametrize("customers_per_pass", [CUSTOMERS_PER_PASS, 37])
def test_features_of_a_sample_are_its_rows_of_the_whole(small_bank: Workspace, customers_per_pass: int) -> None:
    builder = FeatureBuilder(small_bank.store, small_bank.analytics, customers_per_pass=customers_per_pass)
    whole = builder.features_as_of(SMALL_BANK_AS_OF)
    assert builder.population(SMALL_BANK_AS_OF) == whole.customers
    rows = sorted(random.Random(3).sample(range(whole.table.num_rows), 50))
    sample = builder.features_as_of(SMALL_BANK_AS_OF, only=[whole.customers[i] for i in reversed(rows)] + ["nobody"])
    assert sample.table.equals(whole.table.take(rows))


def test_slices_read_each_transaction_once_even_from_an_account_two_customers_share(small_bank: Workspace) -> None:
    """A joint account of two customers in one slice is written to that slice once (the pass joins
    the account map itself), and the slices written for the first date serve the next."""
    analytics = small_bank.analytics
    first, second = (row[0] for row in analytics.run("SELECT customer_id FROM customer_map GROUP BY 1 ORDER BY 1 LIMIT 2"))
    (account,) = analytics.run("""SELECT a.account_id FROM account_map a JOIN transactions t ON t.account_id = a.account_id
                                  WHERE a.customer_id = ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""", [first])[0]
    analytics.run("INSERT INTO account_map VALUES (?, ?)", [account, second])
    try:
        whole = FeatureBuilder(small_bank.store, analytics)
        sliced = FeatureBuilder(small_bank.store, analytics, customers_per_pass=37)
        for day in (SMALL_BANK_AS_OF, SMALL_BANK_AS_OF - timedelta(days=45)):
            assert sliced.features_as_of(day).table.equals(whole.features_as_of(day).table)
        folder = Path(next(iter(sliced._slices["transactions"].values()))).parent.parent.parent
        assert folder.is_dir()
        del sliced
        gc.collect()
        assert not folder.exists()  # the slices go with the builder
    finally:
        analytics.run("DELETE FROM account_map WHERE account_id = ? AND customer_id = ?", [account, second])


@given(st.lists(st.integers(0, 999), unique=True, max_size=60).map(sorted), st.lists(st.integers(0, 999), max_size=80),
       st.integers(1, 30))
def test_a_samples_passes_are_runs_of_slices_holding_about_so_many_of_its_customers(edges: list[int], drawn: list[int],
                                                                                       most: int) -> None:
    name = "c{:04d}".format
    bounds = [None, *[name(e) for e in edges], None]
    passes = list(itertools.pairwise(bounds))
    only = [name(d) for d in drawn]
    assert _grouped(passes, None, most) == [[n] for n in range(len(passes))]
    groups = _grouped(passes, only, most)
    assert [n for group in groups for n in group] == list(range(len(passes)))  # every slice once, in order

    def held(numbers: list[int]) -> int:
        low, high = passes[numbers[0]][0], passes[numbers[-1]][1]
        return sum(1 for c in only if (low is None or c >= low) and (high is None or c < high))

    assert all(held(group) >= most for group in groups[:-1])  # a run ends once it holds enough
    assert all(len(group) == 1 or held(group[:-1]) < most for group in groups)  # and not a slice later
