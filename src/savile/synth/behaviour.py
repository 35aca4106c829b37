"""Month-by-month life of each person: life events, applications, product adoption."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from savile.synth.catalogue import AFFINITY_SD, CODES, EVENTS, INDEX, PRODUCTS, monthly_hazard
from savile.synth.population import Population

BURN_IN_MONTHS = 48
EVENT_RATES = {"moving_house": 0.008, "new_baby": 0.006, "travel": 0.035, "job_loss": 0.003, "salary_rise": 0.01}
ABANDON_RATE = 0.012
CLOSE_RATE = 0.002


@dataclass
class Behaviour:
    """What happened to a chunk of people; month m runs 0..months-1, negative = before the data."""

    opened: list[tuple[int, int, int]]  # (person, product, month opened)
    closed: dict[tuple[int, int], int]  # (person, product) -> month closed
    events: list[tuple[int, int, str]]  # (person, month, event)
    abandoned: list[tuple[int, int, int]]  # (person, month, product)
    job_lost: np.ndarray  # month of job loss, or a large number
    salary_rise: np.ndarray  # month of a salary rise, or a large number
    holds_at_end: np.ndarray  # (n, P) at the end of the data
    probability_next: np.ndarray  # (n, P) true adoption probability in the month after the data
    probability_seen_next: np.ndarray  # (n, P) the same without the personal affinity no data shows
    adopted_next: np.ndarray  # (n, P) bool: drawn adoptions in that month


def simulate(rng: np.random.Generator, people: Population, months: int) -> Behaviour:
    n, products = len(people), len(PRODUCTS)
    age_at = lambda m: people.age - (months - 1 - m) / 12.0  # noqa: E731 - age in month m
    log_income = np.log(np.maximum(people.income, 1000.0))
    income_z = (log_income - 10.25) / 0.55
    affinity = rng.normal(0.0, AFFINITY_SD, size=(n, products))
    holds = np.zeros((n, products), dtype=bool)
    holds[:, INDEX["CURRENT"]] = True  # everyone banks here: the current account is how they came
    recent = np.zeros((n, len(EVENTS)))
    abandoned_intensity = np.zeros((n, products))
    behaviour = Behaviour([], {}, [], [], np.full(n, 10**6), np.full(n, 10**6), holds, np.zeros((n, products)),
                          np.zeros((n, products)), holds)
    employed = np.isin(people.employment, ["employed", "self_employed"])
    for i in range(n):
        behaviour.opened.append((i, INDEX["CURRENT"], -BURN_IN_MONTHS - 1))
    for m in range(-BURN_IN_MONTHS, months + 1):
        age = age_at(m)
        probability = monthly_hazard(age, income_z, holds, recent, abandoned_intensity, affinity)
        if m == months:  # the month after the data: truth only
            behaviour.probability_next = probability
            behaviour.probability_seen_next = monthly_hazard(age, income_z, holds, recent, abandoned_intensity, np.zeros_like(affinity))
            behaviour.adopted_next = rng.random(probability.shape) < probability
            break
        recent *= 0.5  # events fade over about three months
        recent[recent < 0.2] = 0.0
        abandoned_intensity *= 0.5
        if m >= 0:
            _draw_events(rng, behaviour, m, age, employed, income_z, recent)
            _draw_abandoned(rng, behaviour, m, probability, abandoned_intensity)
            probability = monthly_hazard(age, income_z, holds, recent, abandoned_intensity, affinity)
        adopted = rng.random(probability.shape) < probability
        for i, j in zip(*np.nonzero(adopted), strict=True):
            behaviour.opened.append((int(i), int(j), m))
        holds |= adopted
        closing = holds & (rng.random(holds.shape) < CLOSE_RATE)
        closing[:, INDEX["CURRENT"]] = False
        for i, j in zip(*np.nonzero(closing), strict=True):
            behaviour.closed[(int(i), int(j))] = m
        holds &= ~closing
    behaviour.holds_at_end = holds
    return behaviour


def _draw_events(rng: np.random.Generator, behaviour: Behaviour, m: int, age: np.ndarray, employed: np.ndarray,
                 income_z: np.ndarray, recent: np.ndarray) -> None:
    n = age.shape[0]
    still_employed = employed & (behaviour.job_lost > m)
    rates = {
        "moving_house": np.full(n, EVENT_RATES["moving_house"]) * np.where(age < 45, 1.6, 0.6),
        "new_baby": np.where((age >= 22) & (age <= 44), EVENT_RATES["new_baby"] * 2, 0.0),
        "travel": EVENT_RATES["travel"] * np.exp(0.5 * income_z),
        "job_loss": np.where(still_employed, EVENT_RATES["job_loss"], 0.0),
        "salary_rise": np.where(still_employed & (behaviour.salary_rise > 10**5), EVENT_RATES["salary_rise"], 0.0),
    }
    for e, event in enumerate(EVENTS):
        happened = rng.random(n) < rates[event]
        recent[happened, e] = 1.0
        for i in np.flatnonzero(happened):
            behaviour.events.append((int(i), m, event))
        if event == "job_loss":
            behaviour.job_lost[happened] = m
        if event == "salary_rise":
            behaviour.salary_rise[happened] = m


def _draw_abandoned(rng: np.random.Generator, behaviour: Behaviour, m: int, probability: np.ndarray,
                    intensity: np.ndarray) -> None:
    # People start applications for what they are drawn to, and some give up part-way.
    who = np.flatnonzero(rng.random(probability.shape[0]) < ABANDON_RATE)
    for i in who:
        weights = probability[i]
        if weights.sum() <= 0:
            continue
        j = int(rng.choice(len(CODES), p=weights / weights.sum()))
        intensity[i, j] = 1.0
        behaviour.abandoned.append((int(i), m, j))
