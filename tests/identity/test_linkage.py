"""Splink training: what a bank's data lacks must not bend the model."""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta

import duckdb
from splink import DuckDBAPI, Linker

from savile.identity.features import match_features, to_match_table
from savile.identity.linkage import LinkageBackend, _train, _training_errors, settings

FIRST = ["Anna", "Ben", "Chloe", "David", "Erin", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Leon"]
LAST = ["Abbott", "Brandt", "Cole", "Dunn", "Eade", "Frost", "Grant", "Hale", "Irwin", "Joyce", "Knox", "Lowe"]


def _people_without_emails_or_phones(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for uid in range(count):
        rows.append({"record_id": uid, "source": "a", "source_customer_id": str(uid), "updated_at": None,
                     "first_name": rng.choice(FIRST), "last_name": rng.choice(LAST),
                     "birth_date": date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)),
                     "national_id": f"{rng.randrange(10**7):07d}", "postcode": f"{rng.randrange(2000, 2100)}",
                     "address_line": f"{rng.randrange(1, 99)} {rng.choice(LAST)} Street"})
    for uid, original in enumerate(rows[: count // 4], start=count):  # a second system's copies
        rows.append({**original, "record_id": uid, "source": "b", "source_customer_id": str(uid)})
    return [match_features(row) for row in rows]


def test_a_training_step_the_data_cannot_support_leaves_the_model_as_it_was() -> None:
    # No emails or phones: Splink's EM steps on those blocks fail. Splink had already dropped
    # the blocked comparisons and set its in-block prior on the model; that must not stay.
    records = to_match_table(_people_without_emails_or_phones(400, seed=3))
    linker = Linker(DuckDBAPI(duckdb.connect()).register(records, table_name="records"), settings(), log_level=logging.ERROR)
    _train(linker, 7, _training_errors(LinkageBackend()))
    model = linker.misc.save_model_to_json()
    pairs = records.num_rows * (records.num_rows - 1) / 2
    assert model["probability_two_random_records_match"] < 10 * 100 / pairs  # ~100 true pairs among them
    assert len(model["comparisons"]) == len(settings().comparisons)
