"""Customer records per source system, holdings and consents, with the truth behind them."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import numpy as np

from savile.synth import names as N
from savile.synth import noise
from savile.synth.behaviour import Behaviour
from savile.synth.catalogue import CODES, INDEX, PRODUCTS
from savile.synth.population import Population
from savile.synth.timeline import Timeline

# Which source keeps the account for each product.
ACCOUNT_SOURCE = {"CARD": "cards"}


class SourceIds:
    """Each source numbers its customers its own way."""

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk

    def make(self, source: str, person_number: int, copy: int = 0) -> str:
        n = person_number * 3 + copy
        return {
            "core_banking": f"C-{n:08d}",
            "crm": str(5_000_000 + n),
            "cards": f"CC-{n:07d}",
            "mobile_app": f"u_{hashlib.sha1(f'{n}'.encode()).hexdigest()[:10]}",
            "contact_centre": f"CT{n:08d}",
        }[source]


def customer_records(rng: np.random.Generator, people: Population, behaviour: Behaviour, timeline: Timeline,
                     ids: SourceIds, first_number: int) -> tuple[list[dict], list[dict], dict[tuple[int, str], str]]:
    """Rows for customers.*, rows for truth/identities.*, and (person, source) -> source id."""
    rows, truth, where = [], [], {}
    ever_card = {i for i, j, _ in behaviour.opened if j == INDEX["CARD"]}
    for i in range(len(people)):
        number = first_number + i
        sources = ["core_banking"]
        if rng.random() < 0.7:
            sources.append("crm")
        if i in ever_card:
            sources.append("cards")
        if people.app_user[i]:
            sources.append("mobile_app")
        if rng.random() < 0.25:
            sources.append("contact_centre")
        for source in sources:
            copies = 2 if source == "crm" and rng.random() < 0.02 else 1  # a duplicate inside one system
            for copy in range(copies):
                source_id = ids.make(source, number, copy)
                where.setdefault((i, source), source_id)
                rows.append(_record(rng, people, i, source, source_id, timeline))
                truth.append({"source": source, "source_customer_id": source_id, "person_id": people.person_id[i]})
    return rows, truth, where


def _record(rng: np.random.Generator, p: Population, i: int, source: str, source_id: str, timeline: Timeline) -> dict:
    foreign = p.culture[i] != "en"
    given_style, family_style = "latin", "latin"
    roll = rng.random()
    if source == "crm" and foreign and roll < 0.5:
        given_style = family_style = "native"
    elif source == "mobile_app" and roll < 0.35:
        given_style = "nickname"
    elif source == "cards" and roll < 0.3:
        given_style = "initial"
    elif source == "contact_centre" and roll < 0.6:
        given_style, family_style = "variant", "variant"
    elif foreign and roll < 0.3:
        given_style, family_style = "variant", "variant"
    first = noise.given_name(rng, p.first[i], given_style)
    last = noise.family_name(rng, p.last[i], family_style)
    if source in ("contact_centre", "cards", "crm") and rng.random() < 0.12:
        first, last = (noise.typo(rng, first), last) if rng.random() < 0.5 else (first, noise.typo(rng, last))
    if source == "cards" and rng.random() < 0.5:
        first, last = first.upper(), last.upper()
    full = source in ("core_banking", "crm")
    city = N.CITIES[p.city[i]][0]
    updated = timeline.end_at - timedelta(days=int(rng.integers(1, 720)), minutes=int(rng.integers(1440)))
    phone = p.mobile[i] if source != "crm" or rng.random() < 0.8 else (p.landline[i] or p.mobile[i])
    return {
        "source": source,
        "source_customer_id": source_id,
        "first_name": first,
        "last_name": last,
        "birth_date": p.birth[i].isoformat() if source == "core_banking" or (source in ("crm", "cards") and rng.random() < 0.6) else None,
        "gender": p.gender[i] if full and rng.random() < 0.8 else None,
        "email": noise.email(rng, p.email[i]) if p.email[i] and (source != "core_banking" or rng.random() < 0.85) else None,
        "phone": noise.phone_format(rng, phone, allow_persian=source in ("crm", "cards") and p.culture[i] == "fa")
        if source != "mobile_app" or rng.random() < 0.5 else None,
        "national_id": _national_id(p.person_id[i]) if source == "core_banking" or (source == "crm" and rng.random() < 0.3) else None,
        "address_line": noise.address(rng, int(p.house[i]), int(p.street[i]), abbreviate=source != "core_banking" and rng.random() < 0.5)
        if source in ("core_banking", "crm", "cards") else None,
        "city": city if source in ("core_banking", "crm", "cards") else None,
        "postcode": noise.postcode(rng, p.postcode[i]) if source in ("core_banking", "crm", "cards") else None,
        "country": "GB" if source in ("core_banking", "crm", "cards") else None,
        "language": p.language[i] if full or source == "mobile_app" else None,
        "customer_since": p.since[i].isoformat() if source == "core_banking" else None,
        "income_annual": f"{p.income[i]:.2f}" if source == "core_banking" or (source == "crm" and rng.random() < 0.5) else None,
        "employment_status": str(p.employment[i]) if full else None,
        "updated_at": _iso(updated),
    }


def _national_id(person_id: str) -> str:
    digest = hashlib.sha256(person_id.encode()).hexdigest()
    letters = "ABCEGHJKLMNPRSTWXYZ"
    return f"{letters[int(digest[0:2], 16) % 19]}{letters[int(digest[2:4], 16) % 19]}{int(digest[4:12], 16) % 10**6:06d}{'ABCD'[int(digest[12], 16) % 4]}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def holdings(rng: np.random.Generator, behaviour: Behaviour, timeline: Timeline, where: dict[tuple[int, str], str],
             first_number: int) -> tuple[list[dict], dict[tuple[int, int], str]]:
    """Rows for holdings.* and (person, product) -> account id of the latest account."""
    rows, accounts, per_person = [], {}, {}
    for i, j, month in behaviour.opened:
        code = CODES[j]
        source = ACCOUNT_SOURCE.get(code, "core_banking")
        per_person[i] = per_person.get(i, 0) + 1  # a product closed and reopened gets a new account
        account_id = f"{'CRD' if source == 'cards' else 'ACC'}{first_number + i:08d}{per_person[i]:03d}"
        opened = timeline.day_in(month, int(rng.integers(28)))
        closed_month = behaviour.closed.get((i, j))
        closed = timeline.day_in(closed_month, int(rng.integers(28))) if closed_month is not None else None
        balance = _balance(rng, code) if closed is None else "0.00"
        rows.append({"source": source, "source_customer_id": where.get((i, source), where[(i, "core_banking")]),
                     "account_id": account_id, "product_code": code, "opened_at": opened.isoformat(),
                     "closed_at": closed.isoformat() if closed else None, "balance": balance, "currency": "GBP"})
        accounts[(i, j)] = account_id
    return rows, accounts


def _balance(rng: np.random.Generator, code: str) -> str:
    scale = {"CURRENT": 1800, "SAVER": 6000, "ISA": 9000, "INVEST": 15000, "PENSION": 30000}.get(code)
    if code in ("CARD", "LOAN", "MORTGAGE"):
        return f"{-abs(rng.normal({'CARD': 900, 'LOAN': 8000, 'MORTGAGE': 160000}[code], 300)):.2f}"
    return f"{abs(rng.normal(scale, scale / 2)):.2f}" if scale else "0.00"


def consents(rng: np.random.Generator, people: Population, timeline: Timeline, where: dict[tuple[int, str], str]) -> list[dict]:
    """Consents at onboarding in core banking; later changes recorded in other systems."""
    rows = []
    for i in range(len(people)):
        core = where[(i, "core_banking")]
        start = datetime.combine(max(people.since[i], date(2015, 1, 1)), datetime.min.time(), timezone.utc)
        grants = [("marketing", "email", 0.7), ("marketing", "sms", 0.5), ("marketing", "post", 0.4),
                  ("marketing", "phone", 0.25), ("profiling", None, 0.85), ("third_party", None, 0.1)]
        if people.app_user[i]:
            grants += [("marketing", "push", 0.6), ("marketing", "in_app", 0.8), ("location", None, 0.45)]
        for purpose, channel, rate in grants:
            rows.append(_consent(core, "core_banking", purpose, channel, rng.random() < rate, start))
        # Later changes of mind, recorded wherever the customer happened to say so.
        for purpose, channel, rate, granted in (("marketing", "email", 0.15, False), ("marketing", "sms", 0.06, True),
                                                ("profiling", None, 0.04, False)):
            if rng.random() < rate:
                source = "crm" if (i, "crm") in where else "core_banking"
                when = timeline.start_at + timedelta(days=int(rng.integers(max(1, timeline.days))))
                rows.append(_consent(where[(i, source)], source, purpose, channel, granted, when))
    return rows


def _consent(source_id: str, source: str, purpose: str, channel: str | None, granted: bool, when: datetime) -> dict:
    return {"source": source, "source_customer_id": source_id, "purpose": purpose, "channel": channel,
            "granted": "true" if granted else "false", "recorded_at": _iso(when)}


def products() -> list[dict]:
    return [{"product_code": p.code, "name": p.name, "category": p.category, "is_credit": str(p.is_credit).lower(),
             "annual_value": p.annual_value, "min_age": p.min_age, "max_age": p.max_age} for p in PRODUCTS]
