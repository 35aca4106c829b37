"""Per-table preparation of validated rows: phones, card masking, store shape."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from savile.ingest.normalise import CARD_PREFILTER, mask_card_numbers, to_e164
from savile.ingest.sinks import digest

# Free text where a customer or an agent may have typed a card number.
FREE_TEXT = {
    "transactions": ("merchant_name", "description"),
    "communications": ("text",),
    "interactions": ("properties",),
}
PHONE_TABLES = {"customers", "interactions"}


def mask_free_text(table_name: str, rows: pa.Table) -> pa.Table:
    """Mask card numbers in free-text columns and in ``extra`` before anything is stored."""
    for name in (*FREE_TEXT.get(table_name, ()), "extra"):
        column = rows[name]
        flagged = pc.fill_null(pc.match_substring_regex(column, CARD_PREFILTER), False)
        if not pc.any(flagged).as_py():
            continue
        values = column.to_pylist()
        for index in pc.indices_nonzero(flagged.combine_chunks() if isinstance(flagged, pa.ChunkedArray) else flagged).to_pylist():
            values[index] = mask_card_numbers(values[index])
        rows = rows.set_column(rows.column_names.index(name), name, pa.array(values, pa.string()))
    return rows


def mask_raw(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    return {key: mask_card_numbers(value) if isinstance(value, str) else value for key, value in raw.items()}


def normalise_phones(rows: pa.Table, default_region: str, keep_raw: bool) -> pa.Table:
    """Phones to E.164, read in the row's country when it has one. Unreadable phones stay as sent."""
    raw = rows["phone"].to_pylist()
    countries = rows["country"].to_pylist() if "country" in rows.column_names else [None] * len(raw)
    e164 = [to_e164(p, c if c and len(c) == 2 else default_region) if p else None for p, c in zip(raw, countries, strict=True)]
    index = rows.column_names.index("phone")
    if keep_raw:
        rows = rows.set_column(index, "phone", pa.array(e164, pa.string()))
        return rows.append_column("phone_raw", pa.array(raw, pa.string()))
    kept = [n if n else p for n, p in zip(e164, raw, strict=True)]
    return rows.set_column(index, "phone", pa.array(kept, pa.string()))


def to_store_rows(table_name: str, rows: pa.Table) -> list[dict[str, Any]]:
    """Arrow rows to dicts for the operational store (``extra`` parsed, consent key added)."""
    out = rows.drop_columns(["_line"]).to_pylist()
    for row in out:
        row["extra"] = json.loads(row["extra"]) if row["extra"] else None
        if table_name == "consents":
            row["record_key"] = digest(row["source"], row["source_customer_id"], row["purpose"], row["channel"], row["recorded_at"].isoformat())
    return out
