from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from savile.identity import address_key, email_key, is_initial, name_forms, phonetic_key, postcode_key, to_latin


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Aleksandr", "Александр"), ("Alexander", "Aleksandr"), ("Mohammad", "محمد"), ("Muhammad", "Mohammed"),
        ("Hossein", "حسین"), ("Maryam", "مریم"), ("Reza", "رضا"), ("Zahra", "زهرا"), ("Mousavi", "موسوی"),
        ("Niloufar", "نیلوفر"), ("Kuznetsov", "Kuznetzov"), ("Fedorov", "Фёдоров"), ("Yekaterina", "Ekaterina"),
        ("Yulia", "Юлия"), ("Sergei", "Sergey"), ("Ghasemi", "Qasemi"), ("Fatemeh", "Fatima"), ("Smith", "Smyth"),
        ("José", "Jose"), ("O'Brien", "OBrien"), ("ANNA-MARIA", "anna maria"),
        ("Amir", "امیر"), ("Ebrahim", "ابراهیم"), ("Omid", "امید"), ("Sara", "سارا"),  # alef: a long a, or a first vowel
    ],
)
def test_phonetic_key_equal_across_scripts_and_spellings(one: str, other: str) -> None:
    assert phonetic_key(one) == phonetic_key(other)


@pytest.mark.parametrize(("one", "other"), [("Petrov", "Ivanov"), ("Maryam", "Zahra"), ("William", "Robert"), ("Jones", "James")])
def test_phonetic_key_differs_for_different_names(one: str, other: str) -> None:
    assert phonetic_key(one) != phonetic_key(other)


@pytest.mark.parametrize(("nickname", "formal"), [("Bill", "William"), ("Bob", "Robert"), ("Liz", "Elizabeth"),
                                                 ("Sasha", "Aleksandr"), ("Саша", "Alexander"), ("Dima", "Dmitry"),
                                                 ("Natasha", "Наталья"), ("Katya", "Yekaterina")])
def test_name_forms_fold_nicknames_and_diminutives(nickname: str, formal: str) -> None:
    assert phonetic_key(formal) in name_forms(nickname)


def test_initials_are_recognised() -> None:
    assert is_initial("J.") and is_initial("m") and not is_initial("Jo") and not is_initial(None)


def test_emails_fold_case_tags_and_gmail_dots() -> None:
    assert email_key("A.Petrov+bank@GMAIL.com") == email_key("apetrov@googlemail.com") == "apetrov@gmail.com"
    assert email_key("a.petrov@example.com") != email_key("apetrov@example.com")  # dots matter elsewhere
    assert email_key("not an email") == ""


def test_addresses_and_postcodes_fold_abbreviations_and_spaces() -> None:
    assert address_key("14 Mill Ln") == address_key("14 MILL LANE.") == "14 mill lane"
    assert address_key("22 Station Rd") != address_key("24 Station Road")
    assert postcode_key("ls2 7dq") == postcode_key("LS27DQ") == "LS27DQ"


@given(st.text(max_size=30))
def test_name_normalisation_is_total_and_idempotent(text: str) -> None:
    latin = to_latin(text)
    assert latin == latin.strip() and latin.isascii()
    assert to_latin(latin) == latin
    assert phonetic_key(text) == phonetic_key(latin)
