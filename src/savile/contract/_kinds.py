"""Column kinds of the contract and the annotated types that carry them.

A contract model's field type says both what Pydantic validates on the event path and which
vectorised check the batch path runs, so the two paths cannot drift apart.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator


class Kind(str, enum.Enum):
    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    DECIMAL = "decimal"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    JSON = "json"


_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def _contract_bool(value: Any) -> Any:
    # The contract allows true/false in any case, or 1/0; nothing else (no "yes", no "on").
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true/false (any case) or 1/0")


def _decimal_text(value: Any) -> Any:
    # A JSON number is read as the shortest text that round-trips, as the batch path reads it.
    if isinstance(value, float):
        return repr(value)
    return value


Text = Annotated[str, Kind.TEXT]
Date = Annotated[date, Kind.DATE]
Timestamp = Annotated[AwareDatetime, Kind.TIMESTAMP]
Money = Annotated[Decimal, BeforeValidator(_decimal_text), Kind.DECIMAL]
Bool = Annotated[bool, BeforeValidator(_contract_bool), Kind.BOOL]
Int = Annotated[int, Kind.INT]
Float = Annotated[float, Kind.FLOAT]
JsonObject = Annotated[dict[str, Any], Kind.JSON]
