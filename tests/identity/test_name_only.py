"""Name-only records join the one customer of their name: the indexed step gives exactly what
comparing every pair gives (a differential test against the quadratic reference)."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from savile.identity.features import match_features
from savile.identity.guard import first_name_keys, first_names_differ
from savile.identity.matching import CONTACTS, Matching, _join_name_only_records, apply_joins, may_join, name_only, same_name

FIRST = ["Aleksandr", "Sasha", "Alexander", "Александр", "Boris", "Ivan", "Иван", "William", "Bill", "Wiliam", "J.", "Elizabeth",
         "Liz", "Mohammad", "محمد", "Muhammad"]
LAST = ["Petrov", "Петров", "Smith", "Smyth", "Mohammadi", "محمدی"]
EMAILS = [None, None, "family@example.com", "a@example.com", "b@example.com"]
BORN = [None, None, "1980-01-02", "1991-07-30"]


def reference(matching: Matching, by_id: dict[int, dict[str, Any]], apart: set[frozenset[int]]) -> None:
    """The step's search as first written: every name-only record against every cluster of its surname."""
    seen = Counter((field, record[field]) for record in by_id.values() for field in CONTACTS if record[field])
    index = {uid: number for number, members in enumerate(matching.clusters) for uid in members}
    by_surname: dict[str, set[int]] = {}
    for uid, record in by_id.items():
        if record["last_key"] and record["first_key"]:
            by_surname.setdefault(record["last_key"], set()).add(index[uid])
    joins = []
    for uid in sorted(by_id):
        record = by_id[uid]
        if len(matching.clusters[index[uid]]) > 1 or not name_only(record, seen) or not record["first_key"]:
            continue
        namesakes = []
        for number in sorted(by_surname.get(record["last_key"], set()) - {index[uid]}):
            other = next((m for m in matching.clusters[number] if same_name(record, by_id[m])), None)
            if other is not None:
                namesakes.append((number, other))
        if len(namesakes) != 1:
            continue
        number, other = namesakes[0]
        if may_join(matching, by_id, record, number, apart):
            joins.append((uid, number, other))
    apply_joins(matching, index, joins)


@st.composite
def records(draw: st.DrawFn) -> list[tuple[str, str, str | None, str | None]]:
    """A few names each, so that namesakes, unique names and shared mailboxes all occur."""
    firsts = draw(st.lists(st.sampled_from(FIRST), min_size=1, max_size=5, unique=True))
    lasts = draw(st.lists(st.sampled_from(LAST), min_size=1, max_size=2, unique=True))
    row = st.tuples(st.sampled_from(firsts), st.sampled_from(lasts), st.sampled_from(EMAILS), st.sampled_from(BORN))
    return draw(st.lists(row, min_size=2, max_size=12))


@settings(max_examples=150, deadline=None)
@given(records(), st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=4))
def test_name_only_joins_equal_comparing_every_pair(rows: list[tuple[str, str, str | None, str | None]],
                                                    pairs: list[tuple[int, int]]) -> None:
    by_id = {uid: match_features({"record_id": uid, "source": "app", "source_customer_id": str(uid), "first_name": first,
                                  "last_name": last, "email": email, "birth_date": datetime.fromisoformat(born).date() if born else None,
                                  "updated_at": datetime(2026, 1, 1, tzinfo=timezone.utc)})
             for uid, (first, last, email, born) in enumerate(rows)}
    clusters = [[uid] for uid in by_id]
    for a, b in pairs:  # some records already joined by other evidence
        a, b = a % len(rows), b % len(rows)
        ca, cb = next(c for c in clusters if a in c), next(c for c in clusters if b in c)
        if ca is not cb:
            ca.extend(cb)
            cb.clear()
    clusters = [sorted(c) for c in clusters if c]
    expected, indexed = Matching(copy.deepcopy(clusters)), Matching(copy.deepcopy(clusters))
    reference(expected, by_id, set())
    _join_name_only_records(indexed, by_id, set())
    assert indexed.clusters == expected.clusters
    assert indexed.evidence == expected.evidence


LETTERS = "abcdefghijklmnopqrstuvwxyzабвгдеиклмнопрстуфхшяمحدعلیرضا"


@st.composite
def spellings(draw: st.DrawFn) -> str:
    """A name from the pool, perhaps with one slip (a letter changed, added, dropped or two swapped)."""
    name = draw(st.sampled_from(FIRST + ["Aidan", "Olivia", "Liv", "Evgeny", "Zhenya", "Ekaterina", "Katya", "Amir", "امیر"]))
    slip = draw(st.sampled_from(["none", "change", "add", "drop", "swap"]))
    at = draw(st.integers(0, max(len(name) - 2, 0)))
    letter = draw(st.sampled_from(LETTERS))
    return {"none": name, "change": name[:at] + letter + name[at + 1 :], "add": name[:at] + letter + name[at:],
            "drop": name[:at] + name[at + 1 :], "swap": name[:at] + name[at + 1 : at + 2] + name[at : at + 1] + name[at + 2 :]}[slip]


@settings(max_examples=400, deadline=None)
@given(spellings(), spellings())
def test_first_names_the_guard_accepts_as_one_share_an_index_key(one: str, other: str) -> None:
    a, b = (match_features({"record_id": i, "source": "s", "source_customer_id": str(i), "first_name": name, "last_name": "Petrov"})
            for i, name in enumerate((one, other)))
    if not a["first_key"] or not b["first_key"] or first_names_differ(a, b):
        return
    keys_a, keys_b = first_name_keys(a), first_name_keys(b)
    assert keys_a is None or keys_b is None or keys_a & keys_b, (one, other)
