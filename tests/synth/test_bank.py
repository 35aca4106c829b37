from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

import pytest

from savile.synth import synthesize
from savile.workspace import init_workspace
from tests.ingest.helpers import ingest


def _read(path: Path) -> list[dict[str, str | None]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank")
    synthesize(out, customers=600, months=4, seed=11, fmt="csv")
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.csv"))}


def test_synth_is_deterministic_by_seed(bank: Path, tmp_path: Path) -> None:
    synthesize(tmp_path / "again", customers=600, months=4, seed=11, fmt="csv")
    synthesize(tmp_path / "other", customers=600, months=4, seed=12, fmt="csv")
    assert _digest(tmp_path / "again") == _digest(bank)
    assert _digest(tmp_path / "other")["customers.csv"] != _digest(bank)["customers.csv"]


def test_synth_output_follows_the_contract(bank: Path, tmp_path: Path) -> None:
    with init_workspace(tmp_path / "ws") as workspace:
        report = ingest(workspace, bank).to_dict()
    assert all(counts["rejected"] == 0 for counts in report.values()), report
    assert report["transactions"]["loaded"] > 600 * 4 * 10
    assert report["interactions"]["unchanged"] > 0  # some events are delivered twice


def test_synth_truth_names_the_person_behind_every_record(bank: Path) -> None:
    records = {(r["source"], r["source_customer_id"]) for r in _read(bank / "customers.csv")}
    truth = _read(bank / "truth" / "identities.csv")
    assert {(r["source"], r["source_customer_id"]) for r in truth} == records
    people = {r["person_id"] for r in truth}
    assert len(people) == 600
    assert len(records) > 1.8 * len(people)  # people appear in several sources


def test_synth_spells_people_in_several_scripts_and_phone_formats(bank: Path) -> None:
    rows = _read(bank / "customers.csv")
    names = " ".join(f"{r['first_name']} {r['last_name']}" for r in rows)
    phones = [r["phone"] or "" for r in rows]
    assert any("\u0400" <= ch <= "\u04ff" for ch in names), "no Cyrillic names"
    assert any("\u0600" <= ch <= "\u06ff" for ch in names), "no Persian names"
    assert any("\u06f0" <= ch <= "\u06f9" for p in phones for ch in p), "no Persian digits"
    assert any(p.startswith("0") for p in phones) and any(p.startswith("+") for p in phones)
    assert any(r["birth_date"] is None for r in rows)


def test_synth_households_share_an_address_but_not_a_person(bank: Path) -> None:
    persons = _read(bank / "truth" / "persons.csv")
    households = {}
    for person in persons:
        households.setdefault(person["household_id"], []).append(person["person_id"])
    assert sum(len(members) > 1 for members in households.values()) > 30


def test_synth_truth_has_adoption_probabilities_vulnerability_and_sentiment(bank: Path) -> None:
    rows = _read(bank / "truth" / "adoption_probabilities.csv")
    probabilities = [float(r["probability"]) for r in rows]
    assert probabilities and all(0 < p < 1 for p in probabilities)
    seen = [float(r["probability_without_affinity"]) for r in rows]
    assert all(0 < p < 1 for p in seen) and sum(a != b for a, b in zip(probabilities, seen, strict=True)) > 0.9 * len(rows)
    assert np.corrcoef(np.log(probabilities), np.log(seen))[0, 1] > 0.5  # the affinity shifts, it does not replace
    drivers = {r["driver"] for r in _read(bank / "truth" / "vulnerability.csv")}
    assert drivers <= {"resilience", "health", "life_events", "capability"} and len(drivers) >= 2
    sentiments = _read(bank / "truth" / "sentiment.csv")
    assert {r["language"] for r in sentiments} == {"en", "ru", "fa"}
    assert {r["sentiment"] for r in sentiments} == {"positive", "neutral", "negative"}


def test_synth_life_events_leave_traces_in_transactions(bank: Path) -> None:
    events = _read(bank / "truth" / "life_events.csv")
    assert {"moving_house", "travel"} <= {e["event"] for e in events}
    transactions = _read(bank / "transactions.csv")
    assert any(t["mcc"] == "4214" for t in transactions)  # removals after moving house
    assert any(t["country"] not in ("GB", None) for t in transactions)  # spending abroad
