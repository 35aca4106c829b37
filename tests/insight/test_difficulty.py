from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from savile.insight import assess, difficulty_cues
from savile.store.tables import customer_links
from savile.synth.talk import TEXTS
from savile.workspace import Workspace


@pytest.mark.parametrize("language", ["en", "ru", "fa"])
def test_difficulty_fires_on_what_struggling_customers_say_in_each_language(language: str) -> None:
    for text in TEXTS[("resilience", "negative")][language]:
        assert difficulty_cues(text), text


@pytest.mark.parametrize("language", ["en", "ru", "fa"])
def test_difficulty_stays_quiet_on_neutral_and_happy_text(language: str) -> None:
    for key in ((None, "neutral"), (None, "positive"), ("health", "negative"), ("capability", "negative")):
        for text in TEXTS[key][language]:
            assert difficulty_cues(text) == [], text


def test_difficulty_handles_arabic_letter_forms_and_curly_apostrophes() -> None:
    assert difficulty_cues("نمي‌توانم قسط بدهم")  # Arabic yeh, zero-width non-joiner
    assert difficulty_cues("I can’t pay this month")


def test_difficulty_flags_customers_who_lost_their_job_with_evidence(small_bank: Workspace) -> None:
    end = date(2026, 10, 31)
    found = assess(small_bank.store, small_bank.analytics, end)
    flagged = {c for c, d in found.items() if d.flagged}
    truth = small_bank.path / "bank" / "truth"
    lost = {r["person_id"] for r in pq.read_table(truth / "life_events.parquet").to_pylist() if r["event"] == "job_loss"}
    persons = {(r["source"], r["source_customer_id"]): r["person_id"] for r in pq.read_table(truth / "identities.parquet").to_pylist()}
    with small_bank.store.begin() as connection:
        person_of = {r.customer_id: persons[(r.source, r.source_customer_id)] for r in connection.execute(sa.select(customer_links))}
    flagged_people = {person_of[c] for c in flagged}
    assert lost and len(flagged_people & lost) >= 0.6 * len(lost)  # most who lost a job show it by the end
    assert len(flagged_people - lost) <= max(3, 0.5 * len(flagged_people))
    assert all(d.evidence for d in found.values())
