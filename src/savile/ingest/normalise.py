"""Normalisation at the door: phones to E.164, card numbers masked (PCI DSS)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import phonenumbers

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits to ASCII; phonenumbers would
# otherwise treat a number typed on a Persian keyboard as text.
_DIGITS = str.maketrans({**{chr(0x06F0 + d): str(d) for d in range(10)}, **{chr(0x0660 + d): str(d) for d in range(10)}})
_PERSIAN_DIGIT = re.compile("[\u06f0-\u06f9]")
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")  # "+44 (0)7700 900123": the (0) is dialled only at home


def to_ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


@lru_cache(maxsize=200_000)
def to_e164(raw: str | None, region: str) -> str | None:
    """E.164 form of ``raw`` read in ``region`` (ISO alpha-2), or None when it is not a phone number."""
    if not raw:
        return None
    if _PERSIAN_DIGIT.search(raw):
        # A local number typed in Persian digits is an Iranian number, wherever the customer
        # lives now; numbers with an international prefix carry their own country anyway.
        region = "IR"
    text = _TRUNK_ZERO.sub("", to_ascii_digits(raw)).strip()
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A run of digits with single spaces or dashes between groups; a card may sit anywhere in it.
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12,}")
# For a fast vectorised pre-filter in DuckDB: 13+ digits with optional single separators.
CARD_PREFILTER = r"([0-9\x{0660}-\x{0669}\x{06F0}-\x{06F9}][ -]?){12,18}[0-9\x{0660}-\x{0669}\x{06F0}-\x{06F9}]"


def is_luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_card_numbers(text: str | None) -> str | None:
    """Replace every digit but the last four of each 13–19 digit Luhn-valid number with ``*``.

    A card number may be glued to other digits ("REF 1234 4111 1111 1111 1111"), so every
    window of whole digit groups in a run is tried, not only the run as a whole.
    """
    if not text or not _has_many_digits(text):
        return text
    # Python's \d matches Persian and Arabic-Indic digits too, so those card numbers are caught.
    return _DIGIT_RUN.sub(_mask_run, text)


def _has_many_digits(text: str) -> bool:
    return sum(char.isdigit() for char in text) >= 13


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run)]
    masked: set[int] = set()
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += run[groups[last][0] : groups[last][1]]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and is_luhn_valid(digits):
                positions = [i for start, end in groups[first : last + 1] for i in range(start, end)]
                masked.update(positions[:-4])
    return "".join("*" if i in masked else char for i, char in enumerate(run))


def mask_nested(value: Any) -> Any:
    """``mask_card_numbers`` through every string in nested dicts and lists (JSON properties, views)."""
    if isinstance(value, str):
        return mask_card_numbers(value)
    if isinstance(value, dict):
        return {key: mask_nested(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_nested(item) for item in value]
    return value
