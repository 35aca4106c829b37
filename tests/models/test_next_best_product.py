from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import sqlalchemy as sa
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from savile.features import FeatureBuilder
from savile.models import load_model, recommend, train
from savile.models.next_best_product import LEARNERS, label_windows, snapshot
from savile.store.tables import customer_links, holdings
from savile.workspace import Workspace

AS_OF = date(2026, 10, 31)


def test_recommend_never_offers_a_held_product_and_ranks_without_gaps(small_bank: Workspace, tmp_path: Path) -> None:
    bank = small_bank
    builder = FeatureBuilder(bank.store, bank.analytics)
    configured = structlog.get_config()
    structlog.reset_defaults()  # a CLI test in this worker may have set the level to WARNING
    try:
        with capture_logs() as logged:
            meta = train(builder, AS_OF, tmp_path, snapshots=2)
    finally:
        structlog.configure(**configured)
    assert set(meta["metrics"]) >= {"map@3", "map@7", "popularity_map@3", "auc"}
    stages = [(entry["event"], entry.get("learner")) for entry in logged if "seconds" in entry]  # each stage, timed
    assert stages == [("training snapshots", None), *[("backtest", name) for name in LEARNERS], ("final fit", meta["learner"])]
    model, loaded = load_model(tmp_path, AS_OF)
    assert loaded["version"] == meta["version"]
    assert set(meta["learners"]) == set(LEARNERS) and isinstance(model, LEARNERS[meta["learner"]])
    assert meta["metrics"]["map@3"] == max(figures["map@3"] for figures in meta["learners"].values())  # the backtest chose
    rows = recommend(builder, model, loaded, AS_OF, k=4, explain=2)
    assert recommend(builder, model, loaded, AS_OF, k=4, explain=2, features=builder.features_as_of(AS_OF)) == rows
    with pytest.raises(ValueError, match="not 2026-10-31"):  # another date's features would score the wrong month
        recommend(builder, model, loaded, AS_OF, k=4, features=builder.features_as_of(AS_OF - timedelta(days=1)))
    with bank.store.begin() as connection:
        held = {(r.customer_id, r.product_code) for r in connection.execute(
            sa.select(customer_links.c.customer_id, holdings.c.product_code).join(customer_links, sa.and_(
                customer_links.c.source == holdings.c.source, customer_links.c.source_customer_id == holdings.c.source_customer_id))
            .where(holdings.c.opened_at <= AS_OF, sa.or_(holdings.c.closed_at.is_(None), holdings.c.closed_at > AS_OF)))}
    assert rows and not [r for r in rows if (r["customer_id"], r["product_code"]) in held]
    ranks: dict[str, list[int]] = {}
    for row in rows:
        ranks.setdefault(row["customer_id"], []).append(row["rank"])
    assert all(r == list(range(1, len(r) + 1)) and len(r) <= 4 for r in ranks.values())
    assert {c for c, _ in held} >= set(ranks)  # only customers holding an open product
    with pytest.raises(Exception, match="No next-best-product model trained as of"):
        load_model(tmp_path, AS_OF - timedelta(days=1))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 120), st.floats(-5000, 5000, allow_nan=False), st.sampled_from(["5411", "7995", "4511", None])),
                min_size=1, max_size=20),
       st.integers(1, 60))
def test_features_as_of_a_date_ignore_everything_after_it(small_bank: Workspace, later: list, opened_after: int) -> None:  # type: ignore[type-arg]
    bank = small_bank
    as_of = date(2026, 8, 31)
    before = FeatureBuilder(bank.store, bank.analytics).features_as_of(as_of).table
    account = bank.analytics.run("SELECT account_id FROM account_map ORDER BY account_id LIMIT 1")[0][0]
    moment = lambda days: f"{as_of + timedelta(days=1 + days)}T00:00:00Z"  # noqa: E731
    future = pa.table({
        "transaction_id": [f"future-{i}" for i in range(len(later))], "account_id": [account] * len(later),
        "booked_at": pa.array([moment(d) for d, _, _ in later]).cast(pa.timestamp("us", tz="UTC")),
        "amount": pa.array([round(a, 2) for _, a, _ in later]).cast(pa.decimal128(19, 4)), "currency": ["GBP"] * len(later),
        "mcc": [m for _, _, m in later], "channel": ["card_pos"] * len(later),
    })
    bank.analytics.connection.register("future", future)
    bank.analytics.run("INSERT INTO transactions BY NAME SELECT * FROM future")
    with bank.store.begin() as connection:
        owner = connection.execute(sa.select(customer_links.c.source, customer_links.c.source_customer_id).limit(1)).one()
        connection.execute(sa.insert(holdings).values(account_id=f"future-{opened_after}-{len(later)}", source=owner.source,
                                                      source_customer_id=owner.source_customer_id, product_code="MORTGAGE",
                                                      opened_at=as_of + timedelta(days=opened_after)))
    try:
        after = FeatureBuilder(bank.store, bank.analytics).features_as_of(as_of).table
    finally:
        bank.analytics.run("DELETE FROM transactions WHERE transaction_id LIKE 'future-%'")
        bank.analytics.connection.unregister("future")
        with bank.store.begin() as connection:
            connection.execute(sa.delete(holdings).where(holdings.c.account_id.like("future-%")))
    assert after.equals(before)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.integers(1, 14))
def test_label_windows_cover_every_day_once_and_end_at_the_as_of_date(as_of: date, count: int) -> None:
    windows = label_windows(as_of, count)
    assert len(windows) == count and windows[0][1] == as_of
    for (day, until), (older, older_until) in zip(windows, windows[1:]):
        assert older_until == day  # no day between two windows is lost, none counted twice
        assert older < day < until
    for day, until in windows:  # about a month each, never past the as-of date
        assert 27 <= (until - day).days <= 31 and until <= as_of


def test_a_snapshot_keeps_every_adopter_and_about_so_many_others_weighted_up(small_bank: Workspace) -> None:
    builder = FeatureBuilder(small_bank.store, small_bank.analytics)
    day = date(2026, 8, 31)
    everyone = snapshot(builder, day, non_adopters_kept=1.0, non_adopters_most=10**9)
    capped = snapshot(builder, day, non_adopters_kept=1.0, non_adopters_most=40)
    adopted = everyone.Y.any(axis=1)
    others = int((~adopted).sum())
    assert adopted.any() and others > 100 and np.all(everyone.weight == 1.0)
    rows = {c: i for i, c in enumerate(everyone.customers)}
    kept = np.array([rows[c] for c in capped.customers])
    assert set(np.flatnonzero(adopted)) <= set(kept)  # every adopter
    drawn = ~capped.Y.any(axis=1)
    assert 20 <= drawn.sum() <= 60  # about 40 of the others, drawn at random
    assert np.all(capped.weight[drawn] == others / 40) and np.all(capped.weight[~drawn] == 1.0)
    assert np.array_equal(capped.Y, everyone.Y[kept]) and np.allclose(capped.X, everyone.X[kept], equal_nan=True)
