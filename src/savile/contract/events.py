"""Streamed events: a contract row as a JSON object, plus ``table`` naming its table."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from savile.contract.tables import TABLES, ContractRow
from savile.exceptions import ContractError


def parse_event(payload: Any, default_table: str | None = "interactions") -> ContractRow:
    """Validate one streamed event; every problem is reported at once, by field.

    ``table`` defaults to ``interactions``, the table channel apps send.

    >>> parse_event({"event_id": "e-1", "occurred_at": "2026-02-03T07:55:00Z", "channel": "web", "event_type": "login"}).event_id
    'e-1'
    """
    if not isinstance(payload, dict):
        raise ContractError(f"An event must be a JSON object. Got {type(payload).__name__} instead.")
    body = dict(payload)
    table = body.pop("table", default_table)
    model = TABLES.get(table) if isinstance(table, str) else None
    if model is None:
        raise ContractError(f"Unknown table {table!r} in the event. Expected one of: {', '.join(TABLES)}.")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in error.errors())
        raise ContractError(f"Invalid {table} event: {problems}.") from error
