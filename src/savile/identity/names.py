"""Names for matching: one script, no accents, nicknames folded, a phonetic key.

Cyrillic and Persian are transliterated with ``anyascii``; Persian letters whose usual Latin
spelling differs from anyascii's Arabic reading are mapped first. English nicknames come from
the maintained ``nicknames`` list; Russian diminutives, which it lacks, from
``data/russian_diminutives.csv``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from anyascii import anyascii
from nicknames import NickNamer

# Persian pronunciation of letters anyascii reads as Arabic (ض is z in Persian, not d). Alef,
# which anyascii drops, is a long a, and the vowel a name begins with (امیر Amir, ابراهیم Ebrahim).
_PERSIAN = str.maketrans({"ا": "a", "ض": "z", "ظ": "z", "ذ": "z", "ث": "s", "ص": "s", "ح": "h", "ع": "", "ق": "gh", "غ": "gh",
                          "ي": "y", "ك": "k", "ة": "h", "\u200c": ""})
_VAV_CONSONANT = re.compile(r"(?:(?<=\s)|^)و|و(?=[اوی])")
_AYN_START = re.compile(r"(?:(?<=\s)|^)ع")
_NOT_LETTER = re.compile(r"[^a-z ]+")
# Spelling variants folded before vowels are dropped: x/ks, ph/f, kh/h, w/v, y and j as i.
_FOLDS = (("x", "ks"), ("ph", "f"), ("kh", "h"), ("gh", "g"), ("q", "g"), ("ck", "k"), ("sh", "s"), ("w", "v"),
          ("j", "i"), ("y", "i"), ("c", "k"), ("z", "s"))


@lru_cache(maxsize=100_000)
def to_latin(name: str | None) -> str:
    """Lower-case ASCII letters and single spaces: 'Фёдоров' → 'fedorov', 'José-Luis' → 'jose luis'."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    # Persian و is the consonant v before a vowel letter or at a word's start, else the vowel u.
    text = _VAV_CONSONANT.sub("v", text).replace("و", "u")
    text = _AYN_START.sub("a", text).translate(_PERSIAN)  # علی is Ali: a word-initial ع carries a vowel
    text = anyascii(text).lower().replace("'", "").replace("`", "")
    return " ".join(_NOT_LETTER.sub(" ", text).split())


@lru_cache(maxsize=100_000)
def phonetic_key(name: str | None) -> str:
    """A key equal for spellings of one name across scripts and transliterations.

    Vowels are dropped after the first letter (Persian script writes no short vowels), double
    letters collapse: Aleksandr, Alexander and Александр → 'alksndr'; Mohammad, Muhammad and
    محمد → 'mhmd'. Keys are short on purpose; they are one signal among several.

    >>> phonetic_key("Alexander") == phonetic_key("Александр") == phonetic_key("Aleksandr")
    True
    >>> phonetic_key("Muhammad") == phonetic_key("محمد") == phonetic_key("Mohammed")
    True
    """
    latin = to_latin(name).replace(" ", "")
    if not latin:
        return ""
    for old, new in _FOLDS:
        latin = latin.replace(old, new)
    head = "a" if latin[0] in "aeiou" else latin[0]  # Ekaterina / Yekaterina, Ulia / Yulia
    # v and i go with the vowels after the first letter: Persian و and ی, and Cyrillic в and й,
    # are written as either a vowel or a consonant (Roya / رویا, Mousavi / موسوی).
    key = head + re.sub(r"[aeiouv]", "", latin[1:])
    key = re.sub(r"(.)\1+", r"\1", key)
    return key[:-1] if len(key) > 2 and key.endswith("h") else key  # Fatemeh / Fatima, Zahra / Zahrah


_ABJAD = re.compile("[\u0600-\u06ff]")


def is_abjad(name: str | None) -> bool:
    """Written in Persian or Arabic script, which leaves short vowels out: 'مریم' but not 'Maryam'."""
    return bool(name and _ABJAD.search(name))


def is_initial(name: str | None) -> bool:
    """'J.', 'J' or 'j.' : only an initial was recorded."""
    return len(to_latin(name).replace(" ", "")) == 1


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


@cache
def _diminutives() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    with resources.files("savile.identity").joinpath("data/russian_diminutives.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            table.setdefault(phonetic_key(row["diminutive"]), set()).add(phonetic_key(row["full"]))
    return table


@lru_cache(maxsize=100_000)
def name_forms(name: str | None) -> frozenset[str]:
    """Phonetic keys of every formal name ``name`` may stand for, itself included.

    >>> phonetic_key("William") in name_forms("Bill")
    True
    >>> phonetic_key("Aleksandr") in name_forms("Саша")
    True
    """
    latin = to_latin(name)
    if not latin:
        return frozenset()
    first = latin.split()[0]
    forms = {phonetic_key(first)}
    forms |= {phonetic_key(full) for full in _nicknamer().canonicals_of(first)}
    forms |= _diminutives().get(phonetic_key(first), set())
    return frozenset(forms)


