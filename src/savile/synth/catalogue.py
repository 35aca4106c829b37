"""The synthetic bank's products and the adoption logic that drives who takes which one.

Written before any model and kept independent of them: models are judged against it, it is
never tuned to flatter them. A monthly adoption hazard per (person, product) is a logistic
function of age, income, what the person holds, recent life events and abandoned
applications, plus a personal affinity the data never shows directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SynthProduct:
    code: str
    name: str
    category: str
    is_credit: bool
    annual_value: str
    min_age: int | None
    max_age: int | None
    base: float  # logit of the monthly hazard for an average person
    age: float = 0.0  # per standardised year of age
    age_peak: float | None = None  # hazard peaks at this age (quadratic penalty)
    income: float = 0.0  # per standardised log income
    holds: dict[str, float] = field(default_factory=dict)  # boosts from other products held
    events: dict[str, float] = field(default_factory=dict)  # boosts in the 3 months after an event


PRODUCTS = [
    SynthProduct("CURRENT", "Everyday Current Account", "current_account", False, "60.00", 16, None, -9.0),
    SynthProduct("SAVER", "Instant Access Saver", "savings", False, "35.00", 16, None, -4.3, income=0.5,
                 events={"new_baby": 1.6, "salary_rise": 1.2}, holds={"ISA": 0.4}),
    SynthProduct("ISA", "Cash ISA", "savings", False, "45.00", 18, None, -5.0, age=0.3, income=0.6,
                 holds={"SAVER": 1.0}, events={"salary_rise": 0.9}),
    SynthProduct("CARD", "Rewards Credit Card", "credit_card", True, "140.00", 18, None, -4.6, age_peak=35, income=0.4,
                 events={"travel": 1.3, "moving_house": 0.6, "job_loss": -2.0}),
    SynthProduct("LOAN", "Personal Loan", "personal_loan", True, "220.00", 18, 75, -5.4, age_peak=38,
                 events={"moving_house": 1.2, "new_baby": 0.6, "job_loss": 0.8}, holds={"CARD": 0.5}),
    SynthProduct("MORTGAGE", "Fixed Rate Mortgage", "mortgage", True, "1200.00", 21, 70, -6.6, age_peak=34, income=0.9,
                 events={"moving_house": 3.0, "new_baby": 0.8, "job_loss": -2.5}),
    SynthProduct("INVEST", "Stocks and Shares ISA", "investment", False, "180.00", 18, None, -6.0, age=0.4, income=1.3,
                 holds={"ISA": 0.9, "SAVER": 0.4}, events={"salary_rise": 1.0}),
    SynthProduct("HOME_INS", "Home Insurance", "insurance", False, "90.00", 18, None, -5.8, income=0.3,
                 holds={"MORTGAGE": 1.8}, events={"moving_house": 2.2}),
    SynthProduct("TRAVEL_INS", "Annual Travel Insurance", "insurance", False, "40.00", 18, None, -5.6, income=0.4,
                 events={"travel": 2.6}, holds={"CARD": 0.3}),
    SynthProduct("LIFE_INS", "Life Cover", "insurance", False, "150.00", 18, 70, -6.3, age_peak=40, income=0.3,
                 events={"new_baby": 2.4}, holds={"MORTGAGE": 1.0}),
    SynthProduct("PENSION", "Personal Pension", "pension", False, "250.00", 18, 66, -6.2, age_peak=45, income=0.9,
                 events={"salary_rise": 0.8}),
]
CODES = [product.code for product in PRODUCTS]
INDEX = {code: i for i, code in enumerate(CODES)}
EVENTS = ["moving_house", "new_baby", "travel", "job_loss", "salary_rise"]
ABANDONED_BOOST = 1.7  # an abandoned application shows intent
AFFINITY_SD = 0.6


def monthly_hazard(
    age: np.ndarray, log_income_z: np.ndarray, holds: np.ndarray, recent: np.ndarray,
    abandoned: np.ndarray, affinity: np.ndarray,
) -> np.ndarray:
    """Probability that each person adopts each product this month, shape (persons, products).

    ``holds`` (n, P) bool; ``recent`` (n, E) event intensity in [0, 1]; ``abandoned`` (n, P)
    intensity of a recent abandoned application; ``affinity`` (n, P) personal taste.
    """
    n = age.shape[0]
    logit = np.empty((n, len(PRODUCTS)))
    age_z = (age - 45.0) / 15.0
    for j, product in enumerate(PRODUCTS):
        value = product.base + product.age * age_z + product.income * log_income_z
        if product.age_peak is not None:
            value = value - 0.0025 * (age - product.age_peak) ** 2
        for other, boost in product.holds.items():
            value = value + boost * holds[:, INDEX[other]]
        for event, boost in product.events.items():
            value = value + boost * recent[:, EVENTS.index(event)]
        logit[:, j] = value
    logit += ABANDONED_BOOST * abandoned + affinity
    probability = 1.0 / (1.0 + np.exp(-logit))
    eligible = np.ones_like(probability, dtype=bool)
    for j, product in enumerate(PRODUCTS):
        if product.min_age is not None:
            eligible[:, j] &= age >= product.min_age
        if product.max_age is not None:
            eligible[:, j] &= age <= product.max_age
    return np.where(eligible & ~holds, probability, 0.0)
