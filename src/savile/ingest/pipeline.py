"""``ingest_folder``: every contract file in a folder, validated, normalised and stored."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlalchemy as sa
import logging

from savile.contract import TABLES, model_for
from savile.exceptions import InputFileError
from savile.ingest.normalise import mask_card_numbers
from savile.ingest.prepare import PHONE_TABLES, mask_free_text, mask_raw, normalise_phones, to_store_rows
from savile.ingest.readers import read_batches, table_of
from savile.ingest.sinks import Changes, OperationalSink, save_rejects
from savile.ingest.validation import Reference, validate
from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import CONTRACT_TABLES, holdings, ingest_runs, products

log = logging.getLogger(__name__)
ANALYTICAL = {"transactions": "transaction_id", "interactions": "event_id"}


@dataclass
class TableReport:
    loaded: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    changes: Changes = field(default_factory=Changes)
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "loaded": self.loaded,
            "rejected": self.rejected,
            "reasons": dict(sorted(self.reasons.items())),
            "inserted": self.changes.inserted,
            "updated": self.changes.updated,
            "unchanged": self.changes.unchanged,
            "files": self.files,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class IngestReport:
    run_id: str
    folder: str
    tables: dict[str, TableReport]
    ignored_files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The contract's report: per table ``loaded``, ``rejected``, ``reasons`` (and additions)."""
        return {name: report.to_dict() for name, report in self.tables.items()}


FileStarted = Callable[[str, Path], Callable[[int], None] | None]


@dataclass
class Ingestor:
    store: SqlStore
    analytics: DuckDBAnalyticalStore
    default_region: str = "GB"
    batch_rows: int = 250_000
    on_file: FileStarted | None = None  # called per file; may return a bytes-read callback

    def ingest_folder(self, folder: Path) -> IngestReport:
        if not folder.is_dir():
            raise InputFileError(f"{folder} is not a folder. Pass the folder that holds the contract files (customers.csv, ...).")
        files, ignored = discover(folder)
        report = IngestReport(str(uuid.uuid4()), str(folder), {name: TableReport() for name in TABLES}, ignored)
        started = datetime.now(timezone.utc)
        with self.store.begin() as connection:
            connection.execute(sa.insert(ingest_runs).values(run_id=report.run_id, folder=str(folder.resolve()), started_at=started))
        validator = duckdb.connect()
        validator.execute("SET TimeZone = 'UTC'").fetchall()
        validator.execute("SET memory_limit = '512MB'").fetchall()  # one batch at a time
        try:
            for table_name, path in files:
                self._ingest_file(validator, table_name, path, report)
        finally:
            validator.close()
        with self.store.begin() as connection:
            connection.execute(
                sa.update(ingest_runs).where(ingest_runs.c.run_id == report.run_id)
                .values(finished_at=datetime.now(timezone.utc), report=report.to_dict())
            )
        self.store.refresh_statistics()
        return report

    def _ingest_file(self, validator: duckdb.DuckDBPyConnection, table_name: str, path: Path, report: IngestReport) -> None:
        table_report = report.tables[table_name]
        table_report.files.append(path.name)
        started = time.perf_counter()
        progress = self.on_file(table_name, path) if self.on_file else None
        model, references = model_for(table_name), self._references(table_name)
        for batch in read_batches(path, self.batch_rows, progress):
            checked = validate(validator, batch.rows, model, references)
            rejects = sorted([*batch.rejects, *checked.rejects], key=lambda reject: reject.line)
            if checked.rows.num_rows:
                table_report.changes.add(self._store(table_name, checked.rows))
            rejects = [replace(r, message=mask_card_numbers(r.message), raw=mask_raw(r.raw)) for r in rejects]
            save_rejects(self.store, report.run_id, table_name, str(path), rejects)
            table_report.loaded += checked.rows.num_rows
            table_report.rejected += len(rejects)
            table_report.reasons.update(reject.reason for reject in rejects)
        table_report.seconds += time.perf_counter() - started
        log.debug("ingested %s from %s: %d loaded, %d rejected", table_name, path.name, table_report.loaded, table_report.rejected)

    def _store(self, table_name: str, rows: pa.Table) -> Changes:
        rows = mask_free_text(table_name, rows)
        if table_name in PHONE_TABLES:
            rows = normalise_phones(rows, self.default_region, keep_raw=table_name == "customers")
        if table_name in ANALYTICAL:
            inserted = self.analytics.append_new(table_name, rows, ANALYTICAL[table_name])
            return Changes(inserted=inserted, unchanged=rows.num_rows - inserted)
        table = CONTRACT_TABLES[table_name]
        key = ("record_key",) if table_name == "consents" else model_for(table_name).key
        newest = "updated_at" if table_name == "customers" else None
        return OperationalSink(self.store, table, key, newest).write(to_store_rows(table_name, rows))

    def _references(self, table_name: str) -> dict[str, Reference]:
        # Read after the tables they point to were loaded in this run (see TABLES' order).
        if table_name == "holdings":
            return {"products": Reference("product_code", self._keys(products.c.product_code), "unknown_product", "products")}
        if table_name == "transactions":
            return {"accounts": Reference("account_id", self._keys(holdings.c.account_id), "unknown_account", "holdings")}
        return {}

    def _keys(self, column: sa.Column[str]) -> pa.Array:
        with self.store.begin() as connection:
            return pa.array(connection.execute(sa.select(column)).scalars().all(), pa.string())


def discover(folder: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """Contract files in load order, and the names of files that are not contract tables."""
    found: dict[str, list[Path]] = {name: [] for name in TABLES}
    ignored = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        table = table_of(path)
        if table in found:
            found[table].append(path)
        else:
            ignored.append(path.name)
    return [(name, path) for name, paths in found.items() for path in paths], ignored
