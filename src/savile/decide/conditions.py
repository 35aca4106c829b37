"""Conditions are data evaluated by a fixed set of operators — never code.

A condition is a tree of mappings, as written in a catalogue's YAML::

    all:
      - {field: age_years, gte: 18}
      - any:
          - {field: customer.employment_status, in: [employed, self_employed]}
          - {field: txn_salary_count_90d, gt: 0}
      - not: {field: holdings, contains: MORTGAGE}

A leaf names one ``field`` and exactly one operator. There is no expression language, no
attribute access and no function call, so a catalogue cannot execute anything: the worst it
can do is not match. A field the customer lacks fails every comparison except
``exists: false`` (and what ``not`` makes of it).
"""

from __future__ import annotations

from numbers import Real
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "exists", "contains")
Scalar = str | int | float | bool


class Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(min_length=1, description="a feature name, customer.<attribute>, flag.<name>, segment, holdings, "
                                                 "score.<product_code> or context.<key>")
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    gt: float | str | None = None
    gte: float | str | None = None
    lt: float | str | None = None
    lte: float | str | None = None
    between: tuple[float, float] | tuple[str, str] | None = None
    exists: bool | None = None
    contains: Scalar | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Leaf:
        given = [name for name in OPERATORS if getattr(self, "in_" if name == "in" else name) is not None]
        if len(given) != 1:
            raise ValueError(f"a condition on {self.field!r} needs exactly one operator of {', '.join(OPERATORS)}; "
                             f"found {', '.join(given) or 'none'}")
        return self

    @property
    def operator(self) -> tuple[str, Any]:
        for name in OPERATORS:
            value = getattr(self, "in_" if name == "in" else name)
            if value is not None:
                return name, value
        raise AssertionError("validated to have one operator")

    def describe(self) -> str:
        name, value = self.operator
        return f"{self.field} {name} {value}"


class All(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    all: list[Condition] = Field(min_length=1)


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    any: list[Condition] = Field(min_length=1)


class Not(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    not_: Condition = Field(alias="not")


def _kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {Leaf: "leaf", All: "all", AnyOf: "any", Not: "not"}[type(value)]
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "leaf"
    return None


Condition = Annotated[
    Union[Annotated[Leaf, Tag("leaf")], Annotated[All, Tag("all")], Annotated[AnyOf, Tag("any")], Annotated[Not, Tag("not")]],
    Discriminator(_kind, custom_error_type="condition", custom_error_message="a condition is a mapping: a leaf "
                  "{field: NAME, <operator>: VALUE} or one of all / any / not"),
]
All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


def evaluate(condition: Leaf | All | AnyOf | Not, facts: dict[str, Any]) -> bool:
    """Whether ``facts`` (field name -> value) satisfy ``condition``."""
    if isinstance(condition, All):
        return all(evaluate(part, facts) for part in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(part, facts) for part in condition.any)
    if isinstance(condition, Not):
        return not evaluate(condition.not_, facts)
    return _leaf(condition, facts.get(condition.field))


def first_failure(condition: Leaf | All | AnyOf | Not, facts: dict[str, Any]) -> str | None:
    """A readable account of why ``condition`` fails for ``facts`` (None when it holds)."""
    if evaluate(condition, facts):
        return None
    if isinstance(condition, All):
        return next(f for part in condition.all if (f := first_failure(part, facts)) is not None)
    if isinstance(condition, AnyOf):
        return "none of: " + "; ".join(first_failure(part, facts) or "" for part in condition.any)
    if isinstance(condition, Not):
        return f"not ({_describe(condition.not_)})"
    return f"{condition.describe()} (is {facts.get(condition.field)!r})"


def fields_of(condition: Leaf | All | AnyOf | Not) -> set[str]:
    if isinstance(condition, All):
        return set().union(*(fields_of(part) for part in condition.all))
    if isinstance(condition, AnyOf):
        return set().union(*(fields_of(part) for part in condition.any))
    if isinstance(condition, Not):
        return fields_of(condition.not_)
    return {condition.field}


def _describe(condition: Leaf | All | AnyOf | Not) -> str:
    if isinstance(condition, Leaf):
        return condition.describe()
    if isinstance(condition, Not):
        return f"not ({_describe(condition.not_)})"
    parts = condition.all if isinstance(condition, All) else condition.any
    word = " and " if isinstance(condition, All) else " or "
    return word.join(f"({_describe(part)})" for part in parts)


def _leaf(leaf: Leaf, value: Any) -> bool:
    name, target = leaf.operator
    if name == "exists":
        return (value is not None) == target
    if value is None:
        return False
    if name == "eq":
        return _same(value, target)
    if name == "ne":
        return not _same(value, target)
    if name == "in":
        return any(_same(value, option) for option in target)
    if name == "not_in":
        return not any(_same(value, option) for option in target)
    if name == "contains":
        return isinstance(value, (list, tuple, set, frozenset)) and any(_same(item, target) for item in value)
    if name == "between":
        return _ordered(target[0], value) and _ordered(value, target[1])
    return {"gt": lambda: _ordered(target, value, strict=True), "gte": lambda: _ordered(target, value),
            "lt": lambda: _ordered(value, target, strict=True), "lte": lambda: _ordered(value, target)}[name]()


def _same(left: Any, right: Any) -> bool:
    if _number(left) and _number(right):
        return float(left) == float(right)
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()  # sources spell codes in any case
    return left == right


def _ordered(low: Any, high: Any, strict: bool = False) -> bool:
    """``low <= high`` (``<`` when strict) for two numbers or two strings (ISO dates); else False."""
    if _number(low) and _number(high):
        return float(low) < float(high) if strict else float(low) <= float(high)
    if isinstance(low, str) and isinstance(high, str):
        return low < high if strict else low <= high
    return False


def _number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)

