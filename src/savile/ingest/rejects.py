"""A rejected row: where it was, why, and what it held."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str
    column: str | None
    message: str
    raw: dict[str, Any] | None


# Reason codes a report may carry; stable, documented in docs/ingest.md.
REASONS = {
    "missing_required": "a required column is empty",
    "bad_date": "not a date YYYY-MM-DD",
    "bad_timestamp": "not an ISO 8601 timestamp with an offset or Z",
    "bad_decimal": "not decimal text with a dot, such as -12.50",
    "bad_bool": "not true/false (any case) or 1/0",
    "bad_int": "not a whole number",
    "bad_number": "not a finite number",
    "out_of_range": "a number outside the allowed range (latitude ±90, longitude ±180)",
    "bad_json": "not a JSON object",
    "bad_csv_row": "a CSV row with the wrong number of fields or broken quoting",
    "unknown_product": "product_code is not in products",
    "unknown_account": "account_id is not in holdings",
}
