from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from savile.exceptions import InputFileError
from savile.store.tables import consents, customer_records, quarantine
from savile.workspace import Workspace
from tests.ingest.helpers import ingest, snapshot, write


def test_ingest_loads_the_contract_example_and_accounts_for_every_row(workspace: Workspace, example_folder: Path) -> None:
    report = ingest(workspace, example_folder).to_dict()
    assert {name: (t["loaded"], t["rejected"]) for name, t in report.items()} == {
        "products": (3, 0), "locations": (1, 0), "customers": (5, 0), "holdings": (2, 0),
        "transactions": (2, 0), "interactions": (4, 0), "consents": (4, 0), "communications": (1, 0),
    }
    assert report["interactions"]["unchanged"] == 1  # e-1 was sent twice: stored once
    assert workspace.analytics.count("interactions") == 3


def test_ingest_twice_changes_no_table(workspace: Workspace, example_folder: Path) -> None:
    write(example_folder / "transactions.csv", (example_folder / "transactions.csv").read_text() + "T-9,NOPE,2026-02-01T09:00:00Z,1.00,GBP,,,,,,,\n")
    ingest(workspace, example_folder)
    before = snapshot(workspace)
    again = ingest(workspace, example_folder).to_dict()
    assert snapshot(workspace) == before
    assert all(t["inserted"] == 0 and t["updated"] == 0 for t in again.values())
    assert again["transactions"]["rejected"] == 1


def test_ingest_masks_card_numbers_before_storing(workspace: Workspace, example_folder: Path) -> None:
    ingest(workspace, example_folder)
    descriptions = [row[0] for row in workspace.analytics.run("SELECT description FROM transactions")]
    assert "TESCO STORES **** **** **** 1111" in descriptions
    assert not any("4111 1111" in (d or "") for d in descriptions)


def test_ingest_normalises_phones_emails_and_names(workspace: Workspace, example_folder: Path) -> None:
    ingest(workspace, example_folder)
    with workspace.store.begin() as connection:
        rows = {(r.source, r.source_customer_id): r for r in connection.execute(sa.select(customer_records))}
    assert rows[("crm", "8812")].phone == "+447700900123"
    assert rows[("crm", "8812")].phone_raw == "07700 900123"
    assert rows[("crm", "8812")].email == "a.petrov@example.com"
    assert rows[("cards", "CC-55")].phone == "+989121234567"  # written in Persian digits


def test_ingest_keeps_the_newest_customer_record_across_runs(workspace: Workspace, tmp_path: Path) -> None:
    header = "source,source_customer_id,first_name,updated_at\n"
    newer, older = tmp_path / "newer", tmp_path / "older"
    newer.mkdir(), older.mkdir()
    write(newer / "customers.csv", header + "crm,1,Maryam,2026-02-01T00:00:00Z\n")
    write(older / "customers.csv", header + "crm,1,Mariam,2025-02-01T00:00:00Z\ncrm,1,Marjam,2025-01-01T00:00:00Z\n")
    ingest(workspace, newer)
    report = ingest(workspace, older).to_dict()
    assert report["customers"]["unchanged"] == 2
    with workspace.store.begin() as connection:
        assert connection.execute(sa.select(customer_records.c.first_name)).scalar_one() == "Maryam"


def test_ingest_keeps_every_consent_record_for_history(workspace: Workspace, example_folder: Path) -> None:
    ingest(workspace, example_folder)
    with workspace.store.begin() as connection:
        rows = connection.execute(sa.select(consents.c.source, consents.c.channel, consents.c.granted)).all()
    assert ("crm", "email", False) in rows and ("core", None, True) in rows


BAD_ROWS = {
    "customers.csv": (
        "source,source_customer_id,birth_date,income_annual,updated_at,loyalty_tier\n"
        "core,1,1990-01-01,100.50,2026-01-01T00:00:00Z,gold\n"
        "core,2,1990-02-30,,2026-01-01T00:00:00Z,\n"  # bad_date (line 3)
        "core,3,,12,2026-01-01T00:00:00Z,x,y\n"  # wrong field count: bad_csv_row (line 4)
        ",4,,,2026-01-01T00:00:00Z,\n"  # missing_required source (line 5)
        "core,5,,1e3,2026-01-01T00:00:00Z,\n"  # bad_decimal (line 6)
        "core,6,,,2026-01-01 10:00,\n"  # bad_timestamp: no offset (line 7)
    ),
    "holdings.csv": "source,source_customer_id,account_id,product_code,opened_at\ncore,1,A1,CURRENT,2020-01-01\ncore,1,A2,GHOST,2020-01-01\n",
    "transactions.csv": "transaction_id,account_id,booked_at,amount,currency\nT1,A1,2026-01-01T00:00:00+01:00,-5.00,GBP\nT2,A9,2026-01-01T00:00:00Z,-5.00,GBP\n",
    "products.csv": "product_code,name,category,is_credit\nCURRENT,Current,current_account,TRUE\nBAD,Bad,savings,yes\n",
    "interactions.jsonl": (
        '{"event_id": "e1", "occurred_at": "2026-01-01T00:00:00Z", "channel": "web", "event_type": "login"}\n'
        '{"event_id": "e2", "occurred_at": "2026-01-01T00:00:00Z", "channel": "web", "event_type": "page_view", "properties": "[1]"}\n'
        "{not json\n"
        '{"event_id": "e4", "occurred_at": "2026-01-01T00:00:00Z", "channel": "web", "event_type": "location_ping", "properties": {"latitude": 1}}\n'
    ),
    "locations.csv": "location_id,kind,latitude,longitude\nL1,atm,91.5,0\nL2,atm,51.5,-0.1\n",
}


def test_ingest_quarantines_each_bad_row_with_reason_file_and_line(workspace: Workspace, tmp_path: Path) -> None:
    for name, text in BAD_ROWS.items():
        write(tmp_path / name, text)
    report = ingest(workspace, tmp_path).to_dict()
    with workspace.store.begin() as connection:
        found = {(r.table_name, r.line, r.reason, r.column_name) for r in connection.execute(sa.select(quarantine))}
    assert found == {
        ("customers", 3, "bad_date", "birth_date"), ("customers", 4, "bad_csv_row", None),
        ("customers", 5, "missing_required", "source"), ("customers", 6, "bad_decimal", "income_annual"),
        ("customers", 7, "bad_timestamp", "updated_at"), ("holdings", 3, "unknown_product", "product_code"),
        ("transactions", 3, "unknown_account", "account_id"), ("products", 3, "bad_bool", "is_credit"),
        ("interactions", 2, "bad_json", "properties"), ("interactions", 3, "bad_json", None),
        ("locations", 2, "out_of_range", "latitude"),
    }
    for table, counts in report.items():
        assert counts["loaded"] + counts["rejected"] == {"customers": 6, "holdings": 2, "transactions": 2, "products": 2,
                                                         "interactions": 4, "locations": 2}.get(table, 0)
    with workspace.store.begin() as connection:
        extra = connection.execute(sa.select(customer_records.c.extra)).scalar_one()
        message = connection.execute(sa.select(quarantine.c.message).where(quarantine.c.reason == "bad_date")).scalar_one()
    assert extra == {"loyalty_tier": "gold"}  # unknown columns are kept, not rejected
    assert message == "birth_date: expected a date YYYY-MM-DD, got '1990-02-30'"


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet", "jsonl", "jsonl.gz"])
def test_ingest_reads_every_format_to_the_same_result(fmt: str, workspace: Workspace, example_folder: Path, tmp_path: Path) -> None:
    converted = tmp_path / f"as-{fmt}"
    converted.mkdir()
    for path in example_folder.iterdir():
        table = path.name.split(".")[0]
        data = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=True,
                              auto_dict_encode=False)) if path.suffix == ".csv" else None
        if data is None:
            shutil.copy(path, converted / path.name)
            continue
        data = data.cast(pa.schema([(name, pa.string()) for name in data.column_names]))
        _write_as(data, converted / f"{table}.{fmt}", fmt)
    report = ingest(workspace, converted).to_dict()
    assert {t: (c["loaded"], c["rejected"]) for t, c in report.items()} == {
        "products": (3, 0), "locations": (1, 0), "customers": (5, 0), "holdings": (2, 0),
        "transactions": (2, 0), "interactions": (4, 0), "consents": (4, 0), "communications": (1, 0),
    }


def _write_as(data: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(data, path)
        return
    if fmt.startswith("jsonl"):
        text = "".join(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False) + "\n" for row in data.to_pylist())
    else:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(data, sink)
        text = sink.getvalue().to_pybytes().decode()
    path.write_bytes(gzip.compress(text.encode()) if fmt.endswith(".gz") else text.encode())


def test_ingest_small_batches_give_the_same_result_as_one(workspace: Workspace, example_folder: Path) -> None:
    report = ingest(workspace, example_folder, batch_rows=1).to_dict()
    assert report["interactions"]["inserted"] == 3 and report["interactions"]["unchanged"] == 1
    assert report["customers"]["inserted"] == 5


def test_ingest_refuses_a_file_whose_header_repeats_a_column(workspace: Workspace, tmp_path: Path) -> None:
    write(tmp_path / "products.csv", "product_code,name,name\nA,B,C\n")
    with pytest.raises(InputFileError, match="column 'name' appears twice"):
        ingest(workspace, tmp_path)


def test_ingest_lists_files_that_are_not_contract_tables(workspace: Workspace, example_folder: Path) -> None:
    write(example_folder / "notes.txt", "hello")
    assert ingest(workspace, example_folder).ignored_files == ["notes.txt"]


def test_ingest_names_the_file_and_line_when_bytes_are_not_utf8(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_bytes(b"product_code,name,category,is_credit\nA,Caf\xe9,savings,false\n")
    with pytest.raises(InputFileError, match=r"products.csv: not UTF-8 after line 0 .*Re-export the file as UTF-8"):
        ingest(workspace, tmp_path)


def test_ingest_names_a_truncated_gzip_file(workspace: Workspace, tmp_path: Path) -> None:
    data = gzip.compress(b"product_code,name,category,is_credit\n" + b"A,B,savings,false\n" * 1000)
    (tmp_path / "products.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError, match="products.csv.gz: the file is damaged or truncated"):
        ingest(workspace, tmp_path)
