"""People of the synthetic bank: who they are, where they live, who they live with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from savile.synth import names as N

CULTURES = np.array(["en", "ru", "fa"])
CULTURE_WEIGHTS = [0.64, 0.18, 0.18]
EMPLOYMENT = np.array(["employed", "self_employed", "student", "retired", "unemployed"])


@dataclass
class Population:
    """One chunk of people as parallel arrays (index i is one person)."""

    person_id: list[str]
    culture: np.ndarray
    gender: np.ndarray
    first: list[N.Name]
    last: list[N.Name]
    birth: list[date]
    age: np.ndarray  # at the end of the data, years
    city: np.ndarray  # index into names.CITIES
    street: np.ndarray
    house: np.ndarray
    postcode: list[str]
    household: np.ndarray  # index of the household's first member
    income: np.ndarray  # annual, GBP
    employment: np.ndarray
    mobile: list[str]  # E.164
    landline: list[str | None]
    email: list[str | None]
    since: list[date]
    app_user: np.ndarray
    device: list[str | None]
    language: list[str]

    def __len__(self) -> int:
        return len(self.person_id)


def _pick(rng: np.random.Generator, items: list) -> object:  # type: ignore[type-arg]
    return items[int(rng.integers(len(items)))]


def make_population(rng: np.random.Generator, first_number: int, count: int, end: date) -> Population:
    culture = rng.choice(CULTURES, size=count, p=CULTURE_WEIGHTS)
    gender = rng.choice(np.array(["M", "F"]), size=count)
    age = np.clip(rng.gamma(9.0, 5.0, size=count) + 2, 18, 92).astype(int)
    city = rng.choice(len(N.CITIES), size=count, p=_city_weights())
    household = np.arange(count)
    # About a third of people live with someone already drawn: same address, surname, landline.
    joins = rng.random(count) < 0.32
    joins[0] = False
    for i in np.flatnonzero(joins):
        household[i] = household[int(rng.integers(i))]
        culture[i] = culture[household[i]]
        city[i] = city[household[i]]
    first, last, birth, postcode, mobile, landline, email, since, device, language = [], [], [], [], [], [], [], [], [], []
    street = rng.integers(len(N.STREETS), size=count)
    house = rng.integers(1, 240, size=count)
    income = np.round(np.exp(rng.normal(10.25, 0.55, size=count)) * np.where(age < 23, 0.5, 1.0), -2)
    employment = _employment(rng, age)
    income = np.where(np.isin(employment, ["student", "unemployed"]), np.round(income * 0.25, -2), income)
    app_user = rng.random(count) < np.clip(1.1 - age / 90, 0.15, 0.9)
    for i in range(count):
        head = household[i]
        if head != i:
            street[i], house[i] = street[head], house[head]
        first.append(_first_name(rng, culture[i], gender[i]))
        last.append(last[head] if head != i and rng.random() < 0.85 else _surname(rng, culture[i], gender[i]))
        if head != i and culture[i] == "ru":
            last[i] = _russian_surname_for(last[head], gender[i])
        birth.append(date.fromordinal(date(end.year - int(age[i]), 1, 1).toordinal() + int(rng.integers(365))))
        postcode.append(postcode[head] if head != i else _postcode(rng, city[i]))
        mobile.append(_mobile(rng, culture[i]))
        landline.append(landline[head] if head != i else (_landline(rng) if rng.random() < 0.4 else None))
        if head != i and email[head] and rng.random() < 0.25:
            email.append(email[head])  # a family mailbox shared with the household
        else:
            email.append(_email(rng, first[i], last[i], first_number + i) if rng.random() < 0.9 else None)
        since_years = int(rng.integers(0, max(1, int(age[i]) - 16)))
        since.append(date(end.year - min(since_years, 40), int(rng.integers(1, 13)), int(rng.integers(1, 28))))
        device.append(f"dv-{rng.integers(1 << 48):012x}" if app_user[i] else None)
        language.append(str(culture[i]) if culture[i] != "en" and rng.random() < 0.6 else "en")
    return Population(
        [f"P{first_number + i:08d}" for i in range(count)], culture, gender, first, last, birth, age, city, street,
        house, postcode, household, income, employment, mobile, landline, email, since, app_user, device, language,
    )


def _city_weights() -> np.ndarray:
    weights = np.array([city[4] for city in N.CITIES], dtype=float)
    return weights / weights.sum()


def _employment(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    out = rng.choice(EMPLOYMENT[:2], size=age.shape[0], p=[0.85, 0.15])
    out = np.where(age < 23, np.where(rng.random(age.shape[0]) < 0.6, "student", out), out)
    out = np.where(age >= 67, "retired", out)
    return np.where((age < 67) & (rng.random(age.shape[0]) < 0.04), "unemployed", out)


def _first_name(rng: np.random.Generator, culture: str, gender: str) -> N.Name:
    pools = {("en", "M"): N.ENGLISH_MALE, ("en", "F"): N.ENGLISH_FEMALE, ("ru", "M"): N.RUSSIAN_MALE,
             ("ru", "F"): N.RUSSIAN_FEMALE, ("fa", "M"): N.PERSIAN_MALE, ("fa", "F"): N.PERSIAN_FEMALE}
    return _pick(rng, pools[(culture, gender)])  # type: ignore[return-value]


def _surname(rng: np.random.Generator, culture: str, gender: str) -> N.Name:
    if culture == "ru":
        pair = _pick(rng, N.RUSSIAN_SURNAMES)
        return pair[1] if gender == "F" else pair[0]  # type: ignore[index]
    return _pick(rng, N.PERSIAN_SURNAMES if culture == "fa" else N.ENGLISH_SURNAMES)  # type: ignore[return-value]


def _russian_surname_for(family: N.Name, gender: str) -> N.Name:
    for male, female in N.RUSSIAN_SURNAMES:
        if family in (male, female):
            return female if gender == "F" else male
    return family


def _postcode(rng: np.random.Generator, city: int) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    area = N.CITIES[city][1]
    return f"{area}{rng.integers(1, 20)} {rng.integers(1, 10)}{letters[rng.integers(20)]}{letters[rng.integers(20)]}"


def _mobile(rng: np.random.Generator, culture: str) -> str:
    # Most keep a UK mobile; some still use the number from home.
    if culture == "ru" and rng.random() < 0.25:
        return f"+79{rng.integers(10**8, 10**9)}"
    if culture == "fa" and rng.random() < 0.25:
        return f"+989{rng.integers(10**8, 10**9)}"
    return f"+447{rng.integers(10**8, 10**9)}"


def _landline(rng: np.random.Generator) -> str:
    return f"+441{rng.integers(10**8, 10**9)}"


def _email(rng: np.random.Generator, first: N.Name, last: N.Name, number: int) -> str:
    # A mailbox belongs to one person: two people with one name get different digits.
    given, family = first.latin[0].lower(), last.latin[0].lower().replace(" ", "")
    digits = str(number % 9973)
    style = int(rng.integers(4))
    local = [f"{given}.{family}{digits}", f"{given[0]}.{family}{digits}", f"{given}{family}{digits}", f"{family}.{given}{digits}"][style]
    return f"{local}@{_pick(rng, N.EMAIL_DOMAINS)}"
