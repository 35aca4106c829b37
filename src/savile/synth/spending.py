"""Transactions: salaries, bills, card spending and the traces life events leave in them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from savile.synth import names as N
from savile.synth.behaviour import Behaviour
from savile.synth.catalogue import INDEX
from savile.synth.population import Population
from savile.synth.timeline import Timeline

# mcc, merchants, typical amount (GBP), share of everyday card spending
EVERYDAY = [
    ("5411", ["TESCO STORES", "SAINSBURYS", "ASDA", "LIDL", "ALDI", "WAITROSE", "CO-OP FOOD"], 38, 0.34),
    ("5812", ["NANDOS", "PIZZA EXPRESS", "WAGAMAMA", "THE RED LION"], 32, 0.10),
    ("5814", ["MCDONALDS", "GREGGS", "PRET A MANGER", "COSTA COFFEE", "STARBUCKS"], 8, 0.12),
    ("5541", ["SHELL", "BP", "ESSO", "TEXACO"], 55, 0.08),
    ("4121", ["UBER", "BOLT", "ADDISON LEE"], 16, 0.06),
    ("4111", ["TFL TRAVEL", "TRAINLINE", "NATIONAL EXPRESS"], 12, 0.06),
    ("5651", ["PRIMARK", "NEXT", "H&M", "ZARA", "M&S CLOTHING"], 45, 0.06),
    ("5964", ["AMAZON MARKETPLACE", "EBAY", "ARGOS ONLINE"], 29, 0.08),
    ("5912", ["BOOTS", "SUPERDRUG", "LLOYDS PHARMACY"], 14, 0.04),
    ("7832", ["ODEON", "VUE CINEMAS", "CINEWORLD"], 22, 0.03),
    ("5732", ["CURRYS", "APPLE STORE"], 140, 0.02),
    ("7995", ["BET365", "PADDY POWER", "WILLIAM HILL"], 20, 0.01),
]
BILLS = [("4900", "BRITISH GAS", 85), ("4900", "THAMES WATER", 38), ("4814", "VODAFONE", 32), ("4814", "EE LIMITED", 28),
         ("9311", "COUNCIL TAX", 145), ("7997", "PUREGYM", 25), ("4899", "NETFLIX", 11), ("4899", "SKY DIGITAL", 48),
         ("6300", "AVIVA INSURANCE", 42), ("6513", "RENT PAYMENT", 950)]
EVENT_SPEND = {
    "moving_house": [("4214", "PICKFORDS REMOVALS", 650, 1), ("5712", "IKEA", 420, 3), ("5200", "B&Q", 85, 3), ("5712", "DFS FURNITURE", 900, 1)],
    "new_baby": [("5641", "MOTHERCARE", 60, 3), ("5945", "SMYTHS TOYS", 35, 2), ("5912", "BOOTS BABY", 25, 4), ("5641", "JOHN LEWIS NURSERY", 180, 1)],
    "travel": [("4511", "BRITISH AIRWAYS", 320, 1), ("4511", "EASYJET", 140, 1), ("7011", "HOTEL", 180, 2), ("5812", "RESTAURANT", 40, 5), ("5411", "SUPERMARKET", 30, 3)],
}
EMPLOYERS = ["ACME LTD", "NORTHWIND PLC", "CONTOSO UK", "GLOBEX LTD", "INITECH", "UMBRELLA HEALTH NHS TRUST", "CITY COUNCIL",
             "FABRIKAM LTD", "TAILSPIN TOYS", "WIDE WORLD IMPORTERS"]


@dataclass
class Rows:
    person: list[np.ndarray] = field(default_factory=list)
    month: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    amount: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)
    mcc: list[np.ndarray] = field(default_factory=list)
    merchant: list[np.ndarray] = field(default_factory=list)
    abroad: list[np.ndarray] = field(default_factory=list)  # index into ABROAD, -1 at home
    on_card: list[np.ndarray] = field(default_factory=list)

    def add(self, person, month, day, amount, channel, mcc, merchant, abroad=None, on_card=None) -> None:  # type: ignore[no-untyped-def]
        n = len(person)
        self.person.append(np.asarray(person))
        self.month.append(np.full(n, month))
        self.day.append(np.asarray(day))
        self.amount.append(np.round(np.asarray(amount, dtype=float), 2))
        self.channel.append(np.broadcast_to(np.asarray(channel, dtype=object), (n,)))
        self.mcc.append(np.broadcast_to(np.asarray(mcc, dtype=object), (n,)))
        self.merchant.append(np.broadcast_to(np.asarray(merchant, dtype=object), (n,)))
        self.abroad.append(np.full(n, -1) if abroad is None else np.asarray(abroad))
        self.on_card.append(np.zeros(n, dtype=bool) if on_card is None else np.asarray(on_card))


def transactions(rng: np.random.Generator, people: Population, behaviour: Behaviour, timeline: Timeline,
                 accounts: dict[tuple[int, int], str], atms: dict[int, list[tuple[float, float]]], chunk: int) -> tuple[dict, int]:
    n = len(people)
    rows = Rows()
    holds_card = _holding_months(behaviour, n, INDEX["CARD"], timeline.months)
    events_by_month: dict[int, list[tuple[int, str]]] = {}
    for i, m, event in behaviour.events:
        events_by_month.setdefault(m, []).append((i, event))
    employed = np.isin(people.employment, ["employed", "self_employed"])
    bills = [rng.choice(len(BILLS), size=int(rng.integers(3, 6)), replace=False) for _ in range(n)]
    gambler = rng.random(n) < 0.04
    spend_rate = np.clip(people.income / 30_000, 0.4, 2.5) * 14
    for m in range(timeline.months):
        _income(rng, rows, people, behaviour, employed, m)
        _bills(rng, rows, bills, m)
        _everyday(rng, rows, spend_rate, gambler, holds_card[:, m], m, behaviour)
        _distress(rng, rows, behaviour, m)
        for i, event in events_by_month.get(m, []) + [(i, e) for i, e in events_by_month.get(m - 1, []) if e != "travel"]:
            _event_spend(rng, rows, i, event, m, holds_card[i, m])
        atm_people = np.repeat(np.arange(n), rng.poisson(1.0, n))
        rows.add(atm_people, m, rng.integers(28, size=len(atm_people)), -rng.choice([20, 40, 50, 100], len(atm_people)), "atm", None, "ATM")
    return _to_columns(rng, rows, people, timeline, accounts, atms, chunk)


def _holding_months(behaviour: Behaviour, n: int, product: int, months: int) -> np.ndarray:
    held = np.zeros((n, months), dtype=bool)
    for i, j, opened in behaviour.opened:
        if j == product:
            closed = behaviour.closed.get((i, j), months)
            held[i, max(opened, 0) : max(closed, 0)] = True
    return held


def _income(rng, rows, people, behaviour, employed, m):  # type: ignore[no-untyped-def]
    paid = np.flatnonzero(employed & (behaviour.job_lost > m))
    rise = np.where(behaviour.salary_rise[paid] <= m, 1.22, 1.0)
    employer = np.array(EMPLOYERS, dtype=object)[paid % len(EMPLOYERS)]
    rows.add(paid, m, rng.integers(24, 28, len(paid)), people.income[paid] / 12 * 0.72 * rise, "salary", None, employer)
    retired = np.flatnonzero(people.employment == "retired")
    rows.add(retired, m, np.full(len(retired), 3), rng.normal(880, 40, len(retired)), "transfer", None, "DWP STATE PENSION")
    jobless = np.flatnonzero(behaviour.job_lost <= m)
    benefit = jobless[(jobless % 5) < 3]  # most who lost a job claim
    rows.add(benefit, m, np.full(len(benefit), 10), rng.normal(640, 90, len(benefit)), "transfer", None, "DWP UNIVERSAL CREDIT")


def _bills(rng, rows, bills, m):  # type: ignore[no-untyped-def]
    for k, (mcc, merchant, amount) in enumerate(BILLS):
        who = np.array([i for i, chosen in enumerate(bills) if k in chosen], dtype=int)
        rows.add(who, m, np.full(len(who), 1 + k), -amount * (1 + 0.1 * ((who * 7 + k) % 5) / 5), "direct_debit", mcc, merchant)


def _everyday(rng, rows, spend_rate, gambler, holds_card, m, behaviour):  # type: ignore[no-untyped-def]
    n = spend_rate.shape[0]
    lost = behaviour.job_lost <= m
    counts = rng.poisson(np.where(lost, spend_rate * 0.6, spend_rate))
    person = np.repeat(np.arange(n), counts)
    shares = np.array([share for *_, share in EVERYDAY])
    kind = rng.choice(len(EVERYDAY), size=len(person), p=shares / shares.sum())
    gamble = gambler[person] | lost[person]  # distress often shows as rising gambling
    kind = np.where((kind == len(EVERYDAY) - 1) & ~gamble, 0, kind)
    typical = np.array([typ for _, _, typ, _ in EVERYDAY])[kind]
    amount = -np.round(rng.lognormal(np.log(typical), 0.5), 2)
    mcc = np.array([c for c, *_ in EVERYDAY], dtype=object)[kind]
    sizes = np.array([len(merchants) for _, merchants, *_ in EVERYDAY])[kind]
    pick = rng.integers(0, 1 << 30, len(kind)) % np.maximum(sizes, 1)
    merchant = np.array([EVERYDAY[k][1][j] for k, j in zip(kind, pick, strict=True)], dtype=object)
    channel = np.where(mcc == "5964", "card_online", "card_pos")
    on_card = holds_card[person] & (rng.random(len(person)) < 0.4)
    rows.add(person, m, rng.integers(28, size=len(person)), amount, channel, mcc, merchant, on_card=on_card)


def _distress(rng, rows, behaviour, m):  # type: ignore[no-untyped-def]
    lost = np.flatnonzero(behaviour.job_lost <= m)
    fees = lost[rng.random(len(lost)) < 0.6]
    rows.add(fees, m, rng.integers(28, size=len(fees)), -rng.choice([15.0, 25.0, 35.0], len(fees)), "fee", None, "OVERDRAFT FEE")
    returned = lost[rng.random(len(lost)) < 0.3]
    rows.add(returned, m, rng.integers(28, size=len(returned)), -rng.choice([12.0, 25.0], len(returned)), "fee", None, "UNPAID DIRECT DEBIT FEE")
    payday = lost[rng.random(len(lost)) < 0.15]
    rows.add(payday, m, rng.integers(28, size=len(payday)), rng.choice([200.0, 300.0, 500.0], len(payday)), "transfer", "6141", "QUICKCASH LOANS")


def _event_spend(rng, rows, i, event, m, holds_card):  # type: ignore[no-untyped-def]
    if event not in EVENT_SPEND:
        return
    destination = int(rng.integers(len(N.ABROAD))) if event == "travel" else -1
    for mcc, merchant, typical, count in EVENT_SPEND[event]:
        k = int(rng.integers(1, count + 1))
        abroad = np.full(k, destination if mcc != "4511" else -1)
        rows.add(np.full(k, i), m, rng.integers(28, size=k), -rng.lognormal(np.log(typical), 0.4, k),
                 "card_online" if mcc == "4511" else "card_pos", mcc, merchant, abroad, np.full(k, holds_card and rng.random() < 0.6))


def _to_columns(rng, rows, people, timeline, accounts, atms, chunk):  # type: ignore[no-untyped-def]
    """Columns of text in booking order, built with array operations (millions of rows)."""
    cat = {name: np.concatenate(getattr(rows, name)) if getattr(rows, name) else np.array([]) for name in rows.__dataclass_fields__}
    order = np.lexsort((cat["day"], cat["month"], cat["person"]))
    cat = {name: values[order] for name, values in cat.items()}
    person, channel, merchant = cat["person"].astype(int), cat["channel"], cat["merchant"]
    count = len(person)
    current = np.array([accounts[(i, INDEX["CURRENT"])] for i in range(len(people))], dtype=object)
    card = np.array([accounts.get((i, INDEX["CARD"])) for i in range(len(people))], dtype=object)
    account = np.where(cat["on_card"] & (card[person] != None), card[person], current[person])  # noqa: E711
    month_starts = np.array([np.datetime64(timeline.month_start(m)) for m in range(timeline.months)], dtype="datetime64[s]")
    seconds = rng.integers(7 * 3600, 23 * 3600, count).astype("timedelta64[s]")
    days = np.minimum(cat["day"].astype(int), 27).astype("timedelta64[D]")
    booked = np.datetime_as_string(month_starts[cat["month"].astype(int)] + days + seconds, unit="s")
    city = np.array([N.CITIES[c] for c in people.city], dtype=object)[person] if count else np.array([], dtype=object)
    abroad = cat["abroad"].astype(int)
    country = np.where(abroad >= 0, np.array([a[0] for a in N.ABROAD] + ["GB"], dtype=object)[abroad], "GB")
    home = np.array([[N.CITIES[c][2], N.CITIES[c][3]] for c in people.city])[person] if count else np.zeros((0, 2))
    away = np.array([[a[1], a[2]] for a in N.ABROAD] + [[0.0, 0.0]])[abroad]
    where = np.where((abroad >= 0)[:, None], away, home) + rng.normal(0, 0.03, (count, 2))
    is_pos, is_atm = channel == "card_pos", channel == "atm"
    atm_spot = np.array([atms[int(people.city[i])][i % len(atms[int(people.city[i])])] for i in range(len(people))])[person] if count else np.zeros((0, 2))
    where = np.where(is_atm[:, None], atm_spot, np.round(where, 5))
    has_place = is_pos | is_atm
    return {
        "transaction_id": [f"T{chunk:05d}{n:09d}" for n in range(count)],
        "account_id": account.tolist(),
        "booked_at": [b + "Z" for b in booked.tolist()],
        "amount": [f"{a:.2f}" for a in cat["amount"].tolist()],
        "currency": ["GBP"] * count,
        "channel": channel.tolist(),
        "mcc": cat["mcc"].tolist(),
        "merchant_name": np.where(np.isin(channel, ["atm", "fee"]), None, merchant).tolist(),
        "description": [_description(rng, ch, mer, c[0], co) for ch, mer, c, co in zip(channel, merchant, city, country, strict=True)],
        "country": country.tolist(),
        "latitude": [f"{v}" if ok else None for v, ok in zip(where[:, 0].tolist(), has_place.tolist(), strict=True)],
        "longitude": [f"{v}" if ok else None for v, ok in zip(where[:, 1].tolist(), has_place.tolist(), strict=True)],
    }, count


def _description(rng, channel, merchant, city, country):  # type: ignore[no-untyped-def]
    if channel == "salary":
        return f"SALARY {merchant}"
    if channel == "atm":
        return f"CASH WITHDRAWAL {city.upper()}"
    if channel in ("card_pos", "card_online"):
        text = f"{merchant} {city.upper() if country == 'GB' else country}"
        if rng.random() < 0.0005:  # a card number typed into a reference: must be masked at ingest
            text += " " + _card_number(rng)
        return text
    return str(merchant)


def _card_number(rng: np.random.Generator) -> str:
    digits = [4] + [int(d) for d in rng.integers(0, 10, 14)]
    total = sum(d if k % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for k, d in enumerate(reversed(digits)))
    check = (10 - total % 10) % 10
    number = "".join(map(str, digits + [check]))
    return " ".join(number[k : k + 4] for k in range(0, 16, 4))
