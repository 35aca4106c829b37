"""What keeps two records apart, whatever else they share (the household guard).

People in one household share an address, a surname, a landline and sometimes an email. They
differ in first name or birth date, so a pair whose first names cannot be one name (not a
spelling, script or nickname variant, more than one typo apart) or whose birth dates differ by
more than a typo is never linked, however strong the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from savile.identity.names import phonetic_key

Record = Mapping[str, Any]
VOWELS = set("aeiou")
DIFFERENT_IDS = 3  # edits between two national ids beyond any typo: two people's ids


def first_names_differ(a: Record, b: Record) -> bool:
    if a["first_key"] and a["first_key"] == b["last_key"] and a["last_key"] == b["first_key"]:
        return False  # first and last name swapped between systems
    if a["first_is_initial"] or b["first_is_initial"]:
        return not initials_agree(a, b)
    if not a["first_latin"] or not b["first_latin"]:
        return False
    if a["first_key"] == b["first_key"] or set(a["first_forms"] or ()) & set(b["first_forms"] or ()):
        return False
    # One slip of the keyboard is still the same name; James and Jane are two people. A name
    # in Persian script has no short vowels to compare, so there the slip is in its sound.
    one, other = a["first_latin"], b["first_latin"]
    if DamerauLevenshtein.distance(one, other) <= 1:
        return False
    keys = a["first_key"] or "", b["first_key"] or ""
    sounds_close = keys[0][:1] == keys[1][:1] and DamerauLevenshtein.distance(*keys) <= 1
    if a["first_abjad"] or b["first_abjad"]:
        return not (sounds_close and min(map(len, keys)) >= 3)  # short keys say too little
    return not (sounds_close and JaroWinkler.similarity(one, other) >= 0.8)


def first_name_keys(record: Record) -> set[tuple[str, str]] | None:
    """Keys for finding a full first name's possible matches without comparing it with every
    other: any two full first names that ``first_names_differ`` accepts as one name share a key
    (an index of the keys then returns a superset to check). None when the record has no Latin
    spelling, which ``first_names_differ`` accepts with anything.

    The keys follow the tests above: the same phonetic key or one edit apart (the key and each
    one-letter deletion of it), a shared name form, or one edit between the Latin spellings (the
    spelling and each one-letter deletion: two strings one substitution, insertion, deletion or
    swap apart share a deletion)."""
    latin, key = record["first_latin"], record["first_key"] or ""
    if not latin:
        return None
    return ({("form", form) for form in record["first_forms"] or ()} | {("spelling", text) for text in _deletions(latin)}
            | {("sound", text) for text in _deletions(key)})


def _deletions(text: str) -> set[str]:
    return {text} | {text[:i] + text[i + 1 :] for i in range(len(text))}


def initials_agree(a: Record, b: Record) -> bool:
    """'E.' agrees with Evgeny and with Zhenya, his nickname; 'T.' with Anthony's Tony."""
    if not a["first_initial"] or not b["first_initial"]:
        return True
    if not _starts(a) & _starts(b):
        return False
    # Keys fold every vowel to 'a', so a vowel initial must also be the name's own first vowel:
    # 'I.' is not Ekaterina, though 'E.' may be Nell (Eleanor) or Katya (Ekaterina).
    for initial, named in ((a, b), (b, a)):
        if initial["first_is_initial"] and not named["first_is_initial"] and not named["first_abjad"]:
            letter, own = (initial["first_initial"] or "")[:1], (named["first_latin"] or "")[:1]
            if letter in VOWELS and own in VOWELS and letter != own:
                return False
    return True


def _starts(record: Record) -> set[str]:
    # First sounds of the name and of every formal name it may stand for (keys fold vowels to 'a').
    starts = {phonetic_key(record["first_initial"])[:1]}
    starts |= {form[:1] for form in record["first_forms"] or ()}
    return starts


def birth_dates_differ(a: Record, b: Record) -> bool:
    if not a["birth_date"] or not b["birth_date"]:
        return False
    return DamerauLevenshtein.distance(a["birth_date"], b["birth_date"]) > 1


def national_ids_agree(a: Record, b: Record) -> bool:
    """The same national id on both records, give or take one typo."""
    if not a["national_id"] or not b["national_id"]:
        return False
    return DamerauLevenshtein.distance(a["national_id"], b["national_id"]) <= 1


def national_ids_differ(a: Record, b: Record) -> bool:
    """Two national ids too far apart to be one mistyped (formats are already normalised)."""
    if not a["national_id"] or not b["national_id"]:
        return False
    return DamerauLevenshtein.distance(a["national_id"], b["national_id"]) >= DIFFERENT_IDS


def one_id_one_home(a: Record, b: Record) -> bool:
    return bool(a["national_id"] and a["national_id"] == b["national_id"]
                and a.get("postcode_key") and a.get("postcode_key") == b.get("postcode_key"))


def veto(a: Record, b: Record, *, names: bool = True) -> str | None:
    """Why ``a`` and ``b`` must stay apart, or None.

    Household members never share a national id, so an agreeing national id overrides a
    differing first name (a nickname we do not know, a name mistyped beyond one letter) and,
    when the first names agree, a differing birth date. Ids that differ beyond any typo are two
    people's unless one birth date (give or take a typo) on both says otherwise (a wrong id keyed on a known person's
    record). The very same national id at the very
    same postcode overrides both at once: one person recorded twice with two fields wrong is
    likelier than a household keying one member's id on another's record, and the merge's
    evidence says so for a steward to review. A differing national id alone vetoes nothing:
    sources format and mistype them.
    """
    if one_id_one_home(a, b):
        return None
    if national_ids_differ(a, b) and not (a["birth_date"] and b["birth_date"] and not birth_dates_differ(a, b)):
        return "different national ids"
    ids_agree = national_ids_agree(a, b)
    names_differ = first_names_differ(a, b)
    if names and names_differ and not ids_agree:
        return "different first names"
    if birth_dates_differ(a, b) and not (ids_agree and not names_differ):
        return "different birth dates"
    return None


def sets_conflict(left: Sequence[Record], right: Sequence[Record], apart: set[frozenset[int]] | None = None) -> bool:
    """Whether joining two clusters would put a vetoed pair or a steward's keep-apart inside one
    person. Names in Persian script, whose transliterations vary most, veto only direct links."""
    for a in left:
        for b in right:
            if apart and frozenset((a["unique_id"], b["unique_id"])) in apart:
                return True
            if veto(a, b, names=not (a["first_abjad"] or b["first_abjad"])):
                return True
    return False
