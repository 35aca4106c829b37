"""Phrases that show financial difficulty in what customers say, in English, Russian and Persian.

Matched on normalised text (case folded; Arabic forms of Persian letters and zero-width
non-joiners unified), as substrings, so stems catch inflections ("redundan" → redundant,
redundancy; "просроч" → просрочка, просрочил). Each phrase names its cue.
"""

from __future__ import annotations

import re

CUES: dict[str, dict[str, list[str]]] = {
    "job_loss": {
        "en": ["lost my job", "lost our job", "made redundant", "redundan", "laid off", "been fired", "got fired", "out of work",
               "unemployed", "no longer working", "lost his job", "lost her job"],
        "ru": ["потерял работу", "потеряла работу", "потеряли работу", "сократили", "сокращени", "уволили", "уволен", "без работы",
               "безработ", "потери работы"],
        "fa": ["کارم را از دست", "کارمو از دست", "بیکار", "اخراج", "از کار برکنار", "شغلم را از دست"],
    },
    "cannot_pay": {
        "en": ["can't pay", "cannot pay", "can not pay", "unable to pay", "can't afford", "cannot afford", "struggling to pay",
               "can't make the payment", "can't keep up", "money is really tight", "pause payments", "payment holiday"],
        "ru": ["не могу платить", "не могу оплатить", "не могу заплатить", "нечем платить", "не хватает денег", "денег не хватает",
               "отсрочк", "не в состоянии платить"],
        "fa": ["نمی توانم قسط", "نمیتوانم قسط", "نمی توانم پرداخت", "نمیتوانم پرداخت", "نمی توانم اجاره", "نمیتوانم اجاره",
               "پول ندارم", "توان پرداخت ندارم", "به تعویق بیندازم", "تعویق"],
    },
    "arrears": {
        "en": ["arrears", "behind on", "missed payment", "missed my payment", "overdue", "in debt", "debt collector", "bailiff"],
        "ru": ["долг", "просроч", "задолженн", "коллектор"],
        "fa": ["بدهی", "عقب افتاده", "معوقه", "قسط عقب", "طلبکار"],
    },
}
_PERSIAN_FORMS = str.maketrans({"ي": "ی", "ك": "ک", "\u200c": " ", "ى": "ی", "ۀ": "ه", "\u2019": "'", "\u2018": "'"})


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_PERSIAN_FORMS).casefold()).strip()


_NORMALISED = {cue: {language: [normalise(p) for p in phrases] for language, phrases in languages.items()}
               for cue, languages in CUES.items()}


def difficulty_cues(text: str | None) -> list[tuple[str, str]]:
    """(cue, phrase) pairs found in ``text``, in any of the three languages.

    >>> difficulty_cues("I lost my job and I'm behind on the rent")
    [('job_loss', 'lost my job'), ('arrears', 'behind on')]
    >>> difficulty_cues("Когда придёт выписка?")
    []
    """
    if not text:
        return []
    normal = normalise(text)
    found = []
    for cue, languages in _NORMALISED.items():
        for phrases in languages.values():
            hit = next((p for p in phrases if p in normal), None)
            if hit:
                found.append((cue, hit))
                break
    return found
