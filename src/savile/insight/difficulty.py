"""Financial difficulty (the FCA's resilience driver) per customer, with its evidence.

From transactions as of a date: salary that stopped, benefit income, fees and returned
payments, gambling that rises, borrowing from short-term lenders. From communications up to
that date: what customers said about losing a job, not being able to pay, arrears. Keyword
lists for benefits and lenders are arguments with UK defaults, since they name a country's
agencies and firms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from savile.identity._queries import linked_on
from savile.insight.lexicon import difficulty_cues
from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import communications, customer_links

BENEFIT_WORDS = ("UNIVERSAL CREDIT", "DWP", "JOBSEEKER", "JSA", "ESA ", "HMRC TAX CREDIT", "BENEFIT")
SHORT_TERM_LENDER_WORDS = ("PAYDAY", "CASH ADVANCE", "SHORT TERM LOAN", "LENDING STREAM", "LOANS")
THRESHOLD = 2.0  # evidence points that make the flag; one weak sign alone does not


@dataclass
class Difficulty:
    customer_id: str
    score: float
    flagged: bool
    evidence: list[str] = field(default_factory=list)


def assess(store: SqlStore, analytics: DuckDBAnalyticalStore, as_of: date,
           benefit_words: tuple[str, ...] = BENEFIT_WORDS, lender_words: tuple[str, ...] = SHORT_TERM_LENDER_WORDS) -> dict[str, Difficulty]:
    """Every customer with any sign of difficulty by the end of ``as_of``, scored with evidence."""
    found: dict[str, Difficulty] = {}
    for customer_id, points, reason in _transaction_signs(analytics, as_of, benefit_words, lender_words):
        entry = found.setdefault(customer_id, Difficulty(customer_id, 0.0, False))
        entry.score += points
        entry.evidence.append(reason)
    for customer_id, points, reason in _said(store, as_of):
        entry = found.setdefault(customer_id, Difficulty(customer_id, 0.0, False))
        entry.score += points
        entry.evidence.append(reason)
    for entry in found.values():
        entry.flagged = entry.score >= THRESHOLD
    return found


def _transaction_signs(analytics: DuckDBAnalyticalStore, as_of: date, benefit_words: tuple[str, ...],
                       lender_words: tuple[str, ...]) -> list[tuple[str, float, str]]:
    end = datetime.combine(as_of + timedelta(days=1), time(), timezone.utc).isoformat()
    text = "upper(coalesce(t.merchant_name, '') || ' ' || coalesce(t.description, ''))"
    benefit = " OR ".join(f"contains({text}, ?)" for _ in benefit_words) or "false"
    lender = " OR ".join(f"contains({text}, ?)" for _ in lender_words) or "false"
    rows = analytics.run(f"""
        WITH t AS (SELECT t.*, a.customer_id FROM transactions t JOIN account_map a ON a.account_id = t.account_id
                   WHERE t.booked_at < TIMESTAMPTZ '{end}' AND t.booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 180 DAY)
        SELECT customer_id,
               count(*) FILTER (WHERE channel = 'salary' AND booked_at < TIMESTAMPTZ '{end}' - INTERVAL 45 DAY) AS salary_before,
               count(*) FILTER (WHERE channel = 'salary' AND booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 45 DAY) AS salary_recent,
               count(*) FILTER (WHERE amount > 0 AND booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 60 DAY AND ({benefit})) AS benefits,
               count(*) FILTER (WHERE channel = 'fee' AND booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 60 DAY) AS fees,
               coalesce(-sum(amount) FILTER (WHERE mcc IN ('7800','7801','7802','7995') AND amount < 0
                                             AND booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 30 DAY), 0) AS gambling_30d,
               coalesce(-sum(amount) FILTER (WHERE mcc IN ('7800','7801','7802','7995') AND amount < 0
                                             AND booked_at < TIMESTAMPTZ '{end}' - INTERVAL 30 DAY), 0) / 5 AS gambling_month_before,
               count(*) FILTER (WHERE amount > 0 AND booked_at >= TIMESTAMPTZ '{end}' - INTERVAL 90 DAY AND ({lender})) AS short_loans
        FROM t GROUP BY customer_id""", [*benefit_words, *lender_words])
    signs = []
    for customer_id, salary_before, salary_recent, benefits, fees, gambling_30d, gambling_before, short_loans in rows:
        if salary_before >= 2 and salary_recent == 0:
            signs.append((customer_id, 1.5, "salary stopped: paid before, none in the last 45 days"))
        if benefits:
            signs.append((customer_id, 1.0, f"benefit income in the last 60 days ({benefits} payments)"))
        if fees >= 2:
            signs.append((customer_id, 1.0 if fees < 4 else 1.5, f"{fees} fees or returned payments in the last 60 days"))
        if gambling_30d > 50 and gambling_30d > 2 * float(gambling_before):
            signs.append((customer_id, 1.0, f"gambling rising: {float(gambling_30d):.0f} in the last 30 days"))
        if short_loans:
            signs.append((customer_id, 1.0, f"borrowing from short-term lenders ({short_loans} advances in 90 days)"))
    return signs


def _said(store: SqlStore, as_of: date) -> list[tuple[str, float, str]]:
    end = datetime.combine(as_of + timedelta(days=1), time(), timezone.utc)
    query = (sa.select(customer_links.c.customer_id, communications.c.communication_id, communications.c.language,
                       communications.c.text, communications.c.occurred_at)
             .join(customer_links, linked_on(communications))
             .where(communications.c.occurred_at < end, communications.c.occurred_at >= end - timedelta(days=180)))
    signs = []
    with store.begin() as connection:
        for row in connection.execute(query):
            cues = difficulty_cues(row.text)
            if cues:
                # The message id and the cue, not the words: evidence is read by agents, logs are not.
                signs.append((row.customer_id, 2.0, f"said so in communication {row.communication_id} "
                              f"({row.language or 'unknown language'}): {', '.join(cue for cue, _ in cues)}"))
    return signs
