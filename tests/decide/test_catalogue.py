from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from savile.decide import CatalogueError, load_catalogue, parse_actions
from savile.decide.content import direction, render, template_problems
from tests.decide.helpers import PRODUCTS

FEATURES = {"age_years", "txn_salary_count_30d", "held_card_lag0"}


def test_without_files_every_product_gets_an_offer_plus_the_built_ins(tmp_path: Path) -> None:
    catalogue = load_catalogue(tmp_path / "catalogue", PRODUCTS, FEATURES)
    offers = {a.action.product_code for a in catalogue.actions if a.kind == "offer"}
    assert offers == set(PRODUCTS)
    assert {"support", "service", "retention", "advice"} <= {a.kind for a in catalogue.actions}
    assert catalogue.by_id["offer_card"].is_credit and not catalogue.by_id["offer_save"].is_credit
    assert catalogue.origin == "default"


def test_every_problem_is_reported_at_once_with_file_action_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    folder.mkdir()
    (folder / "a.yaml").write_text("""
- id: good
  kind: offer
  product_code: SAVE
  content: {en: {body: "Save more"}}
- id: bad_kind
  kind: spam
  content: {en: {body: "x"}}
- id: bad_product
  kind: offer
  product_code: NOPE
  channels: [email, pigeon]
  content: {en: {body: "Hello {{ first_name }}"}}
""", encoding="utf-8")
    (folder / "b.yaml").write_text("""
actions:
  - id: good
    kind: service
    content: {en: {body: "dup"}}
  - id: bad_field
    kind: offer
    eligibility: {field: txn_salary_cnt_30d, gt: 0}
    content: {en: {body: "x"}}
  - id: generic_but_behavioural
    kind: advice
    generic: true
    eligibility: {field: txn_salary_count_30d, gt: 0}
    content: {en: {body: "x"}}
""", encoding="utf-8")
    (folder / "c.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(folder, PRODUCTS, FEATURES)
    found = {(p.file, p.action, p.field.split(".")[0]) for p in raised.value.problems}
    assert ("a.yaml", "bad_kind", "kind") in found
    assert ("a.yaml", "bad_product", "product_code") in found
    assert ("a.yaml", "bad_product", "channels") in found
    assert ("a.yaml", "bad_product", "content") in found  # first_name used but not declared
    assert ("b.yaml", "good", "id") in found  # duplicate id
    assert ("b.yaml", "bad_field", "eligibility") in found
    assert ("b.yaml", "generic_but_behavioural", "eligibility") in found
    assert any(p.file == "c.yaml" for p in raised.value.problems)
    assert "did you mean 'txn_salary_count_30d'" in str(raised.value)


@pytest.mark.parametrize("attack", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ first_name.__class__.__init__.__globals__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% import 'os' as os %}",
])
def test_template_attacks_are_refused_at_load(attack: str) -> None:
    assert template_problems(attack, ["first_name"]), attack
    _, problems = parse_actions([("x.yaml", {"id": "evil", "kind": "service", "placeholders": ["first_name"],
                                             "content": {"en": {"body": attack}}})], PRODUCTS)
    assert problems


def test_customer_values_render_as_text_not_markup() -> None:
    text = render("Hello {{ first_name }}", {"first_name": "<script>alert(1)</script>{{ 7*7 }}"})
    assert "<script>" not in text and "49" not in text and "&lt;script&gt;" in text


names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(calls=st.lists(st.tuples(st.sampled_from(["{{ first_name }} & {{ product_name }}", "{{ product_name }}: for you",
                                                 "Hi {{ first_name }}{% if product_name %}, {{ product_name|upper }}{% endif %}"]),
                                names, names), min_size=1, max_size=12))
def test_renders_remembered_between_decisions_are_what_jinja_renders_now(calls: list[tuple[str, str, str]]) -> None:
    """Rendered messages are kept by template and the values it reads: repeated and unrelated
    values must never change what a customer gets."""
    for text, first_name, product_name in calls:
        values = {"first_name": first_name, "product_name": product_name, "unused": object()}  # an unread value: not part of the key
        assert render(text, values) == SandboxedEnvironment(autoescape=True, undefined=StrictUndefined).from_string(text).render(values)


def test_persian_is_right_to_left() -> None:
    assert direction("fa") == "rtl" and direction("fa-IR") == "rtl" and direction("ru") == "ltr"


def test_the_default_catalogue_passes_its_own_validation(tmp_path: Path) -> None:
    from savile.decide.editor import write_catalogue

    written = write_catalogue(load_catalogue(None, PRODUCTS), tmp_path / "catalogue")
    assert len(load_catalogue(tmp_path / "catalogue", PRODUCTS, FEATURES).actions) == written
