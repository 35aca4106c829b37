"""``synthesize``: a realistic bank in the contract, plus the truth behind it in ``truth/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from savile.contract import TABLES, columns_of
from savile.exceptions import ConfigError
from savile.synth import names as N
from savile.synth import records
from savile.synth.behaviour import Behaviour, simulate
from savile.synth.catalogue import CODES
from savile.synth.population import Population, make_population
from savile.synth.spending import transactions
from savile.synth.talk import communications, vulnerable_people
from savile.synth.timeline import Timeline
from savile.synth.touchpoints import interactions
from savile.synth.writer import FORMATS, TableWriter

CHUNK_PEOPLE = 2_000
DEFAULT_END = date(2026, 10, 31)
TRUTH_COLUMNS = {
    "identities": ["source", "source_customer_id", "person_id"],
    "persons": ["person_id", "household_id", "culture", "gender", "age", "income_annual", "employment_status", "app_user", "city"],
    "life_events": ["person_id", "month", "event"],
    "adoptions_next_month": ["person_id", "product_code"],
    "adoption_probabilities": ["person_id", "product_code", "probability", "probability_without_affinity"],
    "vulnerability": ["person_id", "driver", "since_month"],
    "sentiment": ["communication_id", "person_id", "sentiment", "vulnerability_driver", "language"],
}


@dataclass(frozen=True)
class SynthSummary:
    folder: Path
    rows: dict[str, int]
    end: date  # the last day of the data


def synthesize(out: Path, customers: int, months: int, seed: int, fmt: str = "parquet", end: date = DEFAULT_END,
               on_progress: Callable[[int], None] | None = None) -> SynthSummary:
    """Write ``customers`` people over ``months`` months ending at ``end``; same seed, same files."""
    _check(customers, months, fmt)
    timeline = Timeline(end, months)
    writers = {name: TableWriter(out, name, [c.name for c in columns_of(model)], fmt) for name, model in TABLES.items()}
    truth = {name: TableWriter(out / "truth", name, columns, fmt) for name, columns in TRUTH_COLUMNS.items()}
    writers["products"].write(records.products())
    atms = _locations(np.random.default_rng([seed, 1 << 20]), writers["locations"])
    for chunk, first in enumerate(range(0, customers, CHUNK_PEOPLE)):
        count = min(CHUNK_PEOPLE, customers - first)
        _chunk(np.random.default_rng([seed, chunk]), chunk, first, count, timeline, atms, writers, truth)
        if on_progress:
            on_progress(first + count)
    for writer in [*writers.values(), *truth.values()]:
        writer.close()
    return SynthSummary(out, {name: writer.rows for name, writer in writers.items()}, end)


def _check(customers: int, months: int, fmt: str) -> None:
    if customers < 1:
        raise ConfigError(f"--customers must be at least 1. Got {customers} instead.")
    if not 1 <= months <= 120:
        raise ConfigError(f"--months must be between 1 and 120. Got {months} instead.")
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}. Got {fmt!r} instead.")


def _chunk(rng: np.random.Generator, chunk: int, first: int, count: int, timeline: Timeline,
           atms: dict[int, list[tuple[float, float]]], writers: dict[str, TableWriter], truth: dict[str, TableWriter]) -> None:
    people = make_population(rng, first, count, timeline.end)
    behaviour = simulate(rng, people, timeline.months)
    ids = records.SourceIds(chunk)
    customer_rows, identities, where = records.customer_records(rng, people, behaviour, timeline, ids, first)
    writers["customers"].write(customer_rows)
    holding_rows, accounts = records.holdings(rng, behaviour, timeline, where, first)
    writers["holdings"].write(holding_rows)
    writers["consents"].write(records.consents(rng, people, timeline, where))
    writers["transactions"].write_columns(*transactions(rng, people, behaviour, timeline, accounts, atms, chunk))
    writers["interactions"].write(interactions(rng, people, behaviour, timeline, where, atms, chunk))
    vulnerable = vulnerable_people(rng, people, behaviour, timeline.months)
    said, sentiment = communications(rng, people, timeline, vulnerable, where, chunk)
    writers["communications"].write(said)
    truth["identities"].write(identities)
    truth["sentiment"].write(sentiment)
    truth["vulnerability"].write([{"person_id": people.person_id[v.person], "driver": v.driver, "since_month": v.month} for v in vulnerable])
    _write_truth(people, behaviour, truth)


def _write_truth(people: Population, behaviour: Behaviour, truth: dict[str, TableWriter]) -> None:
    ids = people.person_id
    truth["persons"].write([
        {"person_id": ids[i], "household_id": ids[int(people.household[i])], "culture": people.culture[i], "gender": people.gender[i],
         "age": int(people.age[i]), "income_annual": f"{people.income[i]:.2f}", "employment_status": people.employment[i],
         "app_user": bool(people.app_user[i]), "city": N.CITIES[people.city[i]][0]}
        for i in range(len(people))
    ])
    truth["life_events"].write([{"person_id": ids[i], "month": m, "event": e} for i, m, e in behaviour.events])
    adopted = np.argwhere(behaviour.adopted_next)
    truth["adoptions_next_month"].write([{"person_id": ids[i], "product_code": CODES[j]} for i, j in adopted])
    probable = np.argwhere(behaviour.probability_next > 0)
    truth["adoption_probabilities"].write([
        {"person_id": ids[i], "product_code": CODES[j], "probability": f"{behaviour.probability_next[i, j]:.6g}",
         "probability_without_affinity": f"{behaviour.probability_seen_next[i, j]:.6g}"} for i, j in probable
    ])


def _locations(rng: np.random.Generator, writer: TableWriter) -> dict[int, list[tuple[float, float]]]:
    """ATMs and branches in every city; returns ATM positions per city for spending and pings."""
    atms: dict[int, list[tuple[float, float]]] = {}
    rows = []
    for c, (city, area, lat, lon, weight) in enumerate(N.CITIES):
        atms[c] = []
        for k in range(2 + weight // 3):
            position = (round(lat + rng.normal(0, 0.02), 5), round(lon + rng.normal(0, 0.03), 5))
            atms[c].append(position)
            rows.append({"location_id": f"ATM-{area}-{k:02d}", "kind": "atm", "name": f"{city} ATM {k + 1}",
                         "latitude": position[0], "longitude": position[1], "city": city})
        for k in range(1 + weight // 8):
            rows.append({"location_id": f"BR-{area}-{k:02d}", "kind": "branch", "name": f"{city} branch {k + 1}",
                         "latitude": round(lat + rng.normal(0, 0.01), 5), "longitude": round(lon + rng.normal(0, 0.015), 5), "city": city})
    writer.write(rows)
    return atms
