"""How the same person gets written differently by different systems and people."""

from __future__ import annotations

import numpy as np

from savile.synth import names as N

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(rng: np.random.Generator, text: str) -> str:
    """One keyboard slip: a swap, a dropped, doubled or wrong letter (never the first letter)."""
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(4))
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    letter = _LETTERS[int(rng.integers(26))]
    return text[:i] + (letter.upper() if text[i].isupper() else letter) + text[i + 1 :]


def given_name(rng: np.random.Generator, name: N.Name, style: str) -> str:
    if style == "native" and name.native:
        return name.native
    if style == "nickname" and name.nicknames:
        return str(name.nicknames[int(rng.integers(len(name.nicknames)))])
    if style == "initial":
        return name.latin[0][0] + "."
    if style == "variant" and len(name.latin) > 1:
        return name.latin[int(rng.integers(1, len(name.latin)))]
    return name.latin[0]


def family_name(rng: np.random.Generator, name: N.Name, style: str) -> str:
    if style == "native" and name.native:
        return name.native
    if style == "variant" and len(name.latin) > 1:
        return name.latin[int(rng.integers(1, len(name.latin)))]
    return name.latin[0]


def phone_format(rng: np.random.Generator, e164: str, allow_persian: bool) -> str:
    """The same number as a person or a system might have typed it."""
    if e164.startswith("+44"):
        national = "0" + e164[3:]
        styles = [e164, f"{national[:5]} {national[5:]}", f"+44 (0){e164[3:7]} {e164[7:]}", f"0044 {e164[3:7]} {e164[7:]}",
                  f"{national[:5]}-{national[5:8]}-{national[8:]}"]
    elif e164.startswith("+7"):
        rest = e164[2:]
        styles = [e164, f"+7 {rest[:3]} {rest[3:6]}-{rest[6:8]}-{rest[8:]}", f"+7 ({rest[:3]}) {rest[3:6]} {rest[6:]}"]
    else:  # +98
        rest = e164[3:]
        styles = [e164, f"+98 {rest[:3]} {rest[3:6]} {rest[6:]}", f"0098{rest}"]
        if allow_persian:
            styles.append(("0" + rest).translate(PERSIAN_DIGITS))
    return styles[int(rng.integers(len(styles)))]


def address(rng: np.random.Generator, house: int, street: int, abbreviate: bool) -> str:
    full, short = N.STREETS[street]
    return f"{house} {short if abbreviate else full}"


def postcode(rng: np.random.Generator, code: str) -> str:
    style = int(rng.integers(3))
    return [code, code.replace(" ", ""), code.lower()][style]


def email(rng: np.random.Generator, address_: str) -> str:
    local, domain = address_.split("@")
    style = int(rng.integers(4))
    if style == 1:
        return address_.upper() if rng.random() < 0.3 else local.capitalize() + "@" + domain.capitalize()
    if style == 2 and domain == "gmail.com":
        return local.replace(".", "") + "@" + domain  # Gmail ignores dots: the same mailbox
    if style == 3:
        return f" {address_} "
    return address_
