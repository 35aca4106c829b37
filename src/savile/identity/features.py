"""The matching view of each customer record: normalised keys that comparisons and blocking use."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from savile.identity.contacts import address_key, email_key, house_number, postcode_key
from savile.identity.names import is_abjad, is_initial, name_forms, phonetic_key, to_latin
from savile.store import SqlStore
from savile.store.tables import customer_records

MATCH_COLUMNS = [
    "unique_id", "source", "source_customer_id", "first_latin", "first_key", "first_forms", "first_initial",
    "first_is_initial", "first_abjad", "last_latin", "last_key", "last_abjad", "birth_date", "email_key", "phone", "postcode_key", "address_key",
    "house_number", "national_id", "updated_at",
]
_SCHEMA = pa.schema([
    ("unique_id", pa.int64()), ("source", pa.string()), ("source_customer_id", pa.string()), ("first_latin", pa.string()),
    ("first_key", pa.string()), ("first_forms", pa.list_(pa.string())), ("first_initial", pa.string()),
    ("first_is_initial", pa.bool_()), ("first_abjad", pa.bool_()), ("last_latin", pa.string()), ("last_key", pa.string()),
    ("last_abjad", pa.bool_()), ("birth_date", pa.string()),
    ("email_key", pa.string()), ("phone", pa.string()), ("postcode_key", pa.string()), ("address_key", pa.string()),
    ("house_number", pa.string()), ("national_id", pa.string()), ("updated_at", pa.string()),
])


def match_features(row: dict[str, Any]) -> dict[str, Any]:
    """One customer record (a ``customer_records`` row) as matching features; empty keys become null."""
    first, last = row.get("first_name"), row.get("last_name")
    initial = is_initial(first)
    first_latin = to_latin(first)
    features = {
        "unique_id": row["record_id"],
        "source": row["source"],
        "source_customer_id": row["source_customer_id"],
        "first_latin": None if initial else first_latin,
        "first_key": None if initial else phonetic_key(first),
        "first_forms": None if initial or not first_latin else sorted(name_forms(first)),
        "first_initial": first_latin[:1] or None,
        "first_is_initial": initial,
        "first_abjad": is_abjad(first),
        "last_latin": to_latin(last),
        "last_key": phonetic_key(last),
        "last_abjad": is_abjad(last),
        "birth_date": row["birth_date"].isoformat() if row.get("birth_date") else None,
        "email_key": email_key(row.get("email")),
        "phone": row.get("phone"),
        "postcode_key": postcode_key(row.get("postcode")),
        "address_key": address_key(row.get("address_line")),
        "house_number": house_number(row.get("address_line")),
        "national_id": re.sub(r"[^0-9A-Z]", "", (row.get("national_id") or "").upper()),
        "updated_at": row["updated_at"].isoformat() if row.get("updated_at") else None,
    }
    return {key: (value if value not in ("", []) or isinstance(value, bool) else None) for key, value in features.items()}


def load_records(store: SqlStore) -> list[dict[str, Any]]:
    """Every customer record, ordered by record id."""
    with store.begin() as connection:
        query = sa.select(customer_records).order_by(customer_records.c.record_id)
        return [dict(row) for row in connection.execute(query).mappings()]


def load_match_table(store: SqlStore) -> pa.Table:
    """Every customer record as matching features, ordered by record id."""
    return to_match_table([match_features(row) for row in load_records(store)])


def to_match_table(features: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(features, schema=_SCHEMA)
