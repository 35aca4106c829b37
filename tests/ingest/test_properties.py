"""Property: whatever rows arrive, each is loaded or quarantined with a reason; none is lost."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import customer_records, quarantine
from savile.workspace import Workspace
from tests.ingest.helpers import ingest

COLUMNS = ["source", "source_customer_id", "first_name", "birth_date", "income_annual", "updated_at"]
CORRUPTIONS = {
    "missing_required": ("updated_at", ""),
    "bad_date": ("birth_date", "31/12/1990"),
    "bad_decimal": ("income_annual", "12,50"),
    "bad_timestamp": ("updated_at", "yesterday"),
}
# ISO 8601 offsets are whole minutes (no historical local-mean-time seconds).
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(lambda s: s.strip() == s)


@st.composite
def customer_rows(draw: st.DrawFn) -> tuple[list[list[str]], dict[int, str]]:
    rows, expected = [], {}
    for index in range(draw(st.integers(1, 25))):
        row = {
            "source": draw(st.sampled_from(["core", "crm"])),
            "source_customer_id": f"id{index}",
            "first_name": draw(text),
            "birth_date": draw(st.dates().map(lambda d: d.isoformat()) | st.just("")),
            "income_annual": draw(st.decimals(-10**6, 10**6, places=2, allow_nan=False).map(str) | st.just("")),
            "updated_at": draw(st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1), timezones=OFFSETS)).isoformat().replace("+00:00", "Z"),
        }
        corruption = draw(st.none() | st.sampled_from(sorted(CORRUPTIONS)))
        if corruption:
            column, value = CORRUPTIONS[corruption]
            row[column] = value
            expected[index + 2] = corruption  # line: header is line 1
        rows.append([row[c] for c in COLUMNS])
    return rows, expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(customer_rows())
def test_every_row_is_loaded_or_quarantined_never_both_never_lost(tmp_path_factory, rows_expected) -> None:  # type: ignore[no-untyped-def]
    rows, expected = rows_expected
    folder = tmp_path_factory.mktemp("in")
    buffer = io.StringIO()
    csv.writer(buffer).writerows([COLUMNS, *rows])
    (folder / "customers.csv").write_text(buffer.getvalue(), encoding="utf-8")
    base = tmp_path_factory.mktemp("ws")
    workspace = Workspace(base)
    workspace.__dict__["store"] = store = SqlStore(f"sqlite:///{base / 'p.db'}")
    workspace.__dict__["analytics"] = DuckDBAnalyticalStore(":memory:")
    store.upgrade()
    try:
        report = ingest(workspace, folder).to_dict()["customers"]
        with store.begin() as connection:
            quarantined = {r.line: r.reason for r in connection.execute(sa.select(quarantine))}
            loaded = set(connection.execute(sa.select(customer_records.c.source_customer_id)).scalars())
    finally:
        workspace.close()
    assert report["loaded"] + report["rejected"] == len(rows)
    assert quarantined == expected
    assert loaded == {f"id{line - 2}" for line in range(2, len(rows) + 2) if line not in expected}
