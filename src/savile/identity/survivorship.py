"""Survivorship: which source record supplies each golden attribute.

Per attribute, among the records that have a value: the most trusted source first (the
configured order), then the most recently updated record, then the most complete one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

GOLDEN_ATTRIBUTES = (
    "first_name", "last_name", "birth_date", "gender", "email", "phone", "address_line", "city", "postcode",
    "country", "language", "national_id", "customer_since", "income_annual", "employment_status",
)
Record = Mapping[str, Any]


def survive(records: Sequence[Record], trust: Sequence[str]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The golden attributes of one person and, per attribute, the record that supplied it.

    >>> core = {"source": "core", "source_customer_id": "1", "first_name": "Maryam", "email": None,
    ...         "updated_at": datetime(2025, 1, 1)}
    >>> app = {"source": "app", "source_customer_id": "u", "first_name": "Mimi", "email": "m@x.org",
    ...        "updated_at": datetime(2026, 1, 1)}
    >>> values, lineage = survive([app, core], trust=["core", "app"])
    >>> values["first_name"], values["email"], lineage["email"]["source"]
    ('Maryam', 'm@x.org', 'app')
    """
    rank = {source: position for position, source in enumerate(trust)}
    ordered = sorted(records, key=lambda r: (rank.get(r["source"], len(rank)), -_timestamp(r), -_completeness(r),
                                             r["source"], r["source_customer_id"]))
    values: dict[str, Any] = {}
    lineage: dict[str, dict[str, str]] = {}
    for attribute in GOLDEN_ATTRIBUTES:
        for record in ordered:
            value = record.get(attribute)
            if value not in (None, ""):
                values[attribute] = value
                lineage[attribute] = {"source": record["source"], "source_customer_id": record["source_customer_id"],
                                      "updated_at": _iso(record.get("updated_at"))}
                break
        else:
            values[attribute] = None
    return values, lineage


def _timestamp(record: Record) -> float:
    moment = record.get("updated_at")
    return moment.timestamp() if isinstance(moment, datetime) else 0.0


def _completeness(record: Record) -> int:
    return sum(record.get(attribute) not in (None, "") for attribute in GOLDEN_ATTRIBUTES)


def _iso(moment: object) -> str:
    return moment.isoformat() if isinstance(moment, datetime) else ""
