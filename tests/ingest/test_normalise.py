from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from savile.ingest import is_luhn_valid, mask_card_numbers, to_e164


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+447700900123", "GB", "+447700900123"),
        ("07700 900123", "GB", "+447700900123"),
        ("+44 (0)7700 900123", "GB", "+447700900123"),
        ("+44 (0) 7700-900-123", "GB", "+447700900123"),
        ("0044 7700 900123", "GB", "+447700900123"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("8 (916) 123-45-67", "RU", "+79161234567"),
        ("+7 916 123 45 67", "GB", "+79161234567"),
        ("8 916 1234567", "RU", "+79161234567"),
        ("+98 912 123 4567", "GB", "+989121234567"),
        ("0912 123 4567", "IR", "+989121234567"),
        ("00989121234567", "GB", "+989121234567"),
        ("۰۹۱۲۱۲۳۴۵۶۷", "GB", "+989121234567"),  # Persian digits: an Iranian number
        ("+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", "GB", "+989121234567"),
        ("٠٧٧٠٠ ٩٠٠١٢٣", "GB", "+447700900123"),  # Arabic-Indic digits
    ],
)
def test_to_e164_reads_local_and_international_formats(raw: str, region: str, expected: str) -> None:
    assert to_e164(raw, region) == expected


@pytest.mark.parametrize("raw", ["", "n/a", "12", "call me", "+44"])
def test_to_e164_gives_none_for_what_is_not_a_phone(raw: str) -> None:
    assert to_e164(raw, "GB") is None


def _luhn_complete(payload: str) -> str:
    for check in "0123456789":
        if is_luhn_valid(payload + check):
            return payload + check
    raise AssertionError


NO_DIGITS = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=20)


@given(st.text("0123456789", min_size=12, max_size=18), st.sampled_from(["", " ", "-"]), NO_DIGITS, NO_DIGITS)
def test_mask_card_numbers_hides_all_but_the_last_four_digits(payload: str, separator: str, before: str, after: str) -> None:
    number = _luhn_complete(payload)
    written = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    text = f"{before} {written} {after}"
    masked = mask_card_numbers(text)
    assert masked is not None
    assert written not in masked
    assert written[-4:] in masked
    assert len(masked) == len(text)


def test_mask_card_numbers_leaves_numbers_that_fail_luhn() -> None:
    assert mask_card_numbers("REF 4111 1111 1111 1112") == "REF 4111 1111 1111 1112"
    assert mask_card_numbers("SORT 12-34-56 ACC 12345678") == "SORT 12-34-56 ACC 12345678"


def test_mask_card_numbers_catches_persian_digits() -> None:
    assert mask_card_numbers("کارت ۴۱۱۱۱۱۱۱۱۱۱۱۱۱۱۱") == "کارت ************۱۱۱۱"


@given(st.text("0123456789 -x", max_size=60))
def test_mask_card_numbers_leaves_no_card_number_behind(text: str) -> None:
    # Masking again changes nothing only if no Luhn-valid 13-19 digit window is left.
    masked = mask_card_numbers(text)
    assert mask_card_numbers(masked) == masked
    assert masked is not None and len(masked) == len(text)
