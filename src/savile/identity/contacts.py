"""Emails, addresses and postcodes for matching."""

from __future__ import annotations

import re

from savile.identity.names import to_latin

# Providers that deliver name.surname@ and namesurname@ to one mailbox.
_DOTLESS = {"gmail.com", "googlemail.com"}
_ALIASES = {"googlemail.com": "gmail.com"}


def email_key(email: str | None) -> str:
    """The mailbox an address reaches: case folded, ``+tags`` dropped, Gmail dots removed.

    >>> email_key(" A.Petrov+bank@GoogleMail.com ")
    'apetrov@gmail.com'
    """
    if not email or "@" not in email:
        return ""
    local, _, domain = email.strip().lower().rpartition("@")
    domain = _ALIASES.get(domain, domain)
    local = local.split("+", 1)[0]  # plus addressing: most providers deliver to the base mailbox
    if domain in _DOTLESS:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else ""


# Common street-type abbreviations (UK and US), folded to one spelling. libpostal would be the
# library for this, but it needs a 2 GB model download that Savile cannot make at run time.
_STREET_TYPES = {
    "st": "street", "str": "street", "rd": "road", "ln": "lane", "ave": "avenue", "av": "avenue", "dr": "drive",
    "cl": "close", "ct": "court", "cres": "crescent", "cr": "crescent", "gr": "grove", "gdns": "gardens",
    "pl": "place", "sq": "square", "ter": "terrace", "terr": "terrace", "pk": "park", "blvd": "boulevard",
    "hwy": "highway", "mt": "mount", "wy": "way", "rw": "row", "bldg": "building", "apt": "apartment", "fl": "flat",
}


def address_key(line: str | None) -> str:
    """'14 Mill Ln.' and '14 MILL LANE' → '14 mill lane'."""
    words = to_latin_with_digits(line).split()
    return " ".join(_STREET_TYPES.get(word, word) for word in words)


def house_number(line: str | None) -> str:
    match = re.search(r"\d+[a-z]?", to_latin_with_digits(line))
    return match.group(0) if match else ""


def to_latin_with_digits(text: str | None) -> str:
    if not text:
        return ""
    # to_latin drops digits; keep them by transliterating word by word around numbers.
    parts = re.split(r"(\d+[A-Za-z]?)", text)
    return " ".join(p.lower() if re.fullmatch(r"\d+[A-Za-z]?", p) else to_latin(p) for p in parts if p.strip()).strip()


def postcode_key(postcode: str | None) -> str:
    """'ls2 7dq' and 'LS27DQ' → 'LS27DQ'."""
    return re.sub(r"[^0-9A-Z]", "", (postcode or "").upper())
