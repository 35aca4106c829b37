from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from savile.decide.conditions import Condition, evaluate, fields_of, first_failure

parse = TypeAdapter(Condition).validate_python


@pytest.mark.parametrize(("condition", "facts", "expected"), [
    ({"field": "age_years", "gte": 18}, {"age_years": 18}, True),
    ({"field": "age_years", "gt": 18}, {"age_years": 18}, False),
    ({"field": "age_years", "between": [18, 30]}, {"age_years": 31}, False),
    ({"field": "customer.country", "eq": "gb"}, {"customer.country": "GB"}, True),
    ({"field": "customer.employment_status", "in": ["employed", "self_employed"]}, {"customer.employment_status": "retired"}, False),
    ({"field": "customer.employment_status", "not_in": ["unemployed"]}, {"customer.employment_status": "retired"}, True),
    ({"field": "holdings", "contains": "CARD"}, {"holdings": ["CURR", "CARD"]}, True),
    ({"field": "customer.email", "exists": False}, {}, True),
    ({"field": "customer.email", "exists": True}, {"customer.email": "a@b.c"}, True),
    ({"field": "customer.customer_since", "lt": "2020-01-01"}, {"customer.customer_since": "2019-06-30"}, True),
    ({"field": "income_annual", "gt": 30000}, {"income_annual": "lots"}, False),  # a string is not a number
    ({"all": [{"field": "a", "eq": 1}, {"not": {"field": "b", "eq": 2}}]}, {"a": 1, "b": 3}, True),
    ({"any": [{"field": "a", "eq": 1}, {"field": "b", "eq": 2}]}, {"a": 0, "b": 0}, False),
])
def test_operators(condition: dict, facts: dict, expected: bool) -> None:
    assert evaluate(parse(condition), facts) is expected


@given(st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte", "contains"]), st.integers(-5, 5))
def test_a_missing_field_fails_every_comparison(operator: str, value: int) -> None:
    assert evaluate(parse({"field": "absent", operator: value}), {"present": 1}) is False


leaves = st.builds(lambda f, op, v: {"field": f, op: v}, st.sampled_from(["a", "b", "c"]), st.sampled_from(["eq", "gt", "lte", "ne"]),
                   st.integers(-2, 2))
trees = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
    st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
    inner.map(lambda x: {"not": x})), max_leaves=8)
facts = st.fixed_dictionaries({}, optional={"a": st.integers(-2, 2), "b": st.integers(-2, 2), "c": st.integers(-2, 2)})


@given(trees, facts)
def test_not_negates_and_failures_are_explained(tree: dict, known: dict) -> None:
    condition = parse(tree)
    assert evaluate(parse({"not": tree}), known) is (not evaluate(condition, known))
    assert (first_failure(condition, known) is None) is evaluate(condition, known)
    assert fields_of(condition) <= {"a", "b", "c"}


@pytest.mark.parametrize("bad", [
    {"field": "a", "eval": "__import__('os').system('id')"},  # no such operator
    {"field": "a", "eq": 1, "gt": 0},  # two operators
    {"field": "a"},  # none
    {"all": []},
    {"code": "lambda: 1"},
    "customer.age > 18",  # an expression string is not a condition
])
def test_anything_but_the_fixed_operators_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        parse(bad)


def test_a_field_name_is_only_a_lookup_key() -> None:
    condition = parse({"field": "__class__.__mro__", "exists": True})
    assert evaluate(condition, {"a": 1}) is False
