"""The action catalogue: YAML files in the workspace, validated all at once.

Each ``*.yaml`` file holds one action, a list of actions, or ``{actions: [...]}``. A catalogue
with any problem is refused whole, with every problem listed by file, action and field, so a
marketer fixes them in one pass. With no files, Savile derives one offer per product plus
built-in service, retention, advice and support actions (``defaults.py``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from savile.decide.actions import Action, CatalogueAction, Product
from savile.decide.conditions import fields_of
from savile.decide.content import template_problems
from savile.decide.defaults import default_actions
from savile.exceptions import SavileError

CHANNELS = ("email", "sms", "push", "phone", "post", "in_app", "mobile_app", "web", "branch", "atm", "contact_centre", "chat", "video", "social")
CUSTOMER_ATTRIBUTES = ("first_name", "last_name", "birth_date", "gender", "email", "phone", "city", "postcode", "country",
                       "language", "customer_since", "income_annual", "employment_status")
FLAGS = ("financial_difficulty", "transaction_decline", "attrition_risk", "high_value_lookalike")
# Fields that describe behaviour (profiling); a generic action may not use them.
NON_BEHAVIOUR_PREFIXES = ("customer.", "context.")


@dataclass(frozen=True)
class Problem:
    file: str
    action: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: action {self.action!r}: {self.field}: {self.message}"


class CatalogueError(SavileError, ValueError):
    code = "catalogue_invalid"
    http_status = 422

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The action catalogue has {len(problems)} problem(s); nothing was loaded:\n{listed}")


@dataclass
class Catalogue:
    """Actions as loaded; never changed in place (an edit builds a new catalogue), so what is
    derived from them is computed once here rather than on every decision."""

    actions: list[CatalogueAction]
    origin: str
    by_id: dict[str, CatalogueAction] = field(init=False)
    product_codes: list[str] = field(init=False)
    version: str = field(init=False)  # a digest of every definition: decisions log which catalogue they used

    def __post_init__(self) -> None:
        self.by_id = {action.id: action for action in self.actions}
        self.product_codes = sorted({a.action.product_code for a in self.actions if a.action.product_code})
        text = json.dumps([a.action.model_dump(mode="json", by_alias=True) for a in self.actions], sort_keys=True)
        self.version = hashlib.sha256(text.encode()).hexdigest()[:16]


def catalogue_folder(workspace: Path) -> Path:
    """Where a workspace keeps its action catalogue (YAML files)."""
    return workspace / "catalogue"


def load_catalogue(folder: Path | None, products: dict[str, Product], features: set[str] | None = None) -> Catalogue:
    """The catalogue in ``folder`` (every ``*.yaml``/``*.yml``), or the derived default when it has none."""
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder and folder.is_dir() else []
    if not files:
        return Catalogue(resolve(default_actions(products), products), origin="default")
    entries: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for path in files:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            problems.append(Problem(path.name, "-", "-", f"is not valid YAML: {error}"))
            continue
        entries += [(path.name, item) for item in _items(document)]
    actions, more = parse_actions(entries, products, features)
    problems += more
    if problems:
        raise CatalogueError(problems)
    return Catalogue(resolve(actions, products), origin=str(folder))


def parse_actions(entries: Iterable[tuple[str, Any]], products: dict[str, Product],
                  features: set[str] | None = None) -> tuple[list[Action], list[Problem]]:
    """Validate raw action mappings; every problem, not only the first."""
    actions, problems, seen = [], [], {}
    for file, raw in entries:
        name = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
        try:
            action = Action.model_validate(raw)
        except ValidationError as error:
            problems += [Problem(file, name, ".".join(str(p) for p in e["loc"]) or "-", e["msg"]) for e in error.errors()]
            continue
        if action.id in seen:
            problems.append(Problem(file, action.id, "id", f"is also defined in {seen[action.id]}"))
        seen[action.id] = file
        problems += [Problem(file, action.id, where, message) for where, message in check_action(action, products, features)]
        actions.append(action)
    return actions, problems


def check_action(action: Action, products: dict[str, Product], features: set[str] | None) -> list[tuple[str, str]]:
    """What Pydantic cannot know: products, channels, field names and templates."""
    problems = []
    if action.product_code is not None and action.product_code not in products:
        problems.append(("product_code", f"{action.product_code!r} is not in the products table (known: {', '.join(sorted(products))})"))
    for channel in action.channels or []:
        if channel not in CHANNELS:
            problems.append(("channels", f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}"))
    conditions = [("eligibility", action.eligibility)] if action.eligibility else []
    conditions += [(f"context_weights.{i}.when", weight.when) for i, weight in enumerate(action.context_weights)]
    for where, condition in conditions:
        for name in sorted(fields_of(condition)):
            message = field_problem(name, products, features)
            if message is None and action.generic and where == "eligibility" and not name.startswith(NON_BEHAVIOUR_PREFIXES):
                message = f"{name!r} describes behaviour; a generic action may only use customer.* and context.* fields"
            if message:
                problems.append((where, message))
    for language, content in action.content.items():
        for part in ("subject", "body", "cta"):
            problems += [(f"content.{language}.{part}", m) for m in template_problems(getattr(content, part), list(action.placeholders))]
    return problems


def field_problem(name: str, products: dict[str, Product], features: set[str] | None) -> str | None:
    prefix, _, rest = name.partition(".")
    if prefix == "customer" and rest:
        return None if rest in CUSTOMER_ATTRIBUTES else f"unknown customer attribute {rest!r}; known: {', '.join(CUSTOMER_ATTRIBUTES)}"
    if prefix == "flag" and rest:
        return None if rest in FLAGS else f"unknown flag {rest!r}; known: {', '.join(FLAGS)}"
    if prefix == "score" and rest:
        return None if rest in products else f"score.{rest}: {rest!r} is not a product code"
    if (prefix == "context" and rest) or name in ("segment", "holdings", "age_years"):
        return None
    if features is None or name in features:
        return None
    close = difflib.get_close_matches(name, sorted(features), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "; see savile features list"
    return f"unknown field {name!r}{hint}"


def resolve(actions: list[Action], products: dict[str, Product]) -> list[CatalogueAction]:
    return [CatalogueAction(action, products.get(action.product_code) if action.product_code else None) for action in actions]


def _items(document: Any) -> list[Any]:
    if document is None:
        return []
    if isinstance(document, dict) and "actions" in document:
        document = document["actions"]
    return document if isinstance(document, list) else [document]
