"""Triggers as data: what real-time moment asks the decision engine for which actions, on which channels.

A bank writes them in ``triggers.yaml`` in the workspace (a list, or ``{triggers: [...]}``);
without the file the defaults below apply. Each trigger names a fixed detector (``when``) with
its parameters — there is no expression language. A trigger never sends anything itself: it
asks the decision engine, so consent, suppression, caps and safeguards all still apply.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from savile.decide.catalogue import Catalogue
from savile.exceptions import ConfigError

TRIGGERS_FILE = "triggers.yaml"
DELIVERY_CHANNELS = ("email", "sms", "push", "in_app", "mobile_app", "web")


class _Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
    description: str = ""
    enabled: bool = True
    channels: list[str] = Field(min_length=1, description="tried in order (the customer's preferred one first when listed)")
    actions: list[str] = Field(default_factory=list, description="action ids the decision may choose among")
    categories: list[str] = Field(default_factory=list, description="also offers of products in these categories")
    alert_agents: bool = Field(False, description="also put the customer in the agents' queue")
    expires_minutes: int | None = Field(None, gt=0, description="a message not sent by then is dropped (it would be stale)")
    quiet_hours: Literal["hold", "send"] = Field(
        "hold", description="hold: wait for quiet hours to end; send: a service message the customer's own activity asked for "
                            "just now (useless by morning); marketing is held whatever this says")


class LocationNear(_Trigger):
    when: Literal["location_near"]
    within_metres: float = Field(300, gt=0, le=50_000)
    location_kinds: list[Literal["atm", "branch"]] = Field(default_factory=lambda: ["atm"])


class ApplicationUnfinished(_Trigger):
    when: Literal["application_unfinished"]
    after_hours: float = Field(24, gt=0, description="a reminder when no application_submitted came within this")


class PageTrouble(_Trigger):
    when: Literal["page_trouble"]
    min_duration_ms: int | None = Field(120_000, gt=0, description="a page viewed at least this long; null = never by time")
    on_error: bool = Field(True, description="a page or screen view that carries an error_code")


class FlagRaised(_Trigger):
    when: Literal["flag_raised"]
    flag: str = Field(description="financial_difficulty, transaction_decline, ...: fires when the flag goes from off to on")


class MoneyIn(_Trigger):
    when: Literal["money_in"]
    min_amount: Decimal | None = Field(Decimal(5000), gt=0, description="any credit of at least this much")
    salary_rise: float | None = Field(0.1, gt=0, description="a salary credit this share above the previous one")


Trigger = Annotated[LocationNear | ApplicationUnfinished | PageTrouble | FlagRaised | MoneyIn, Field(discriminator="when")]
_TRIGGERS = TypeAdapter(list[Trigger])

DEFAULTS: list[dict[str, Any]] = [
    {"id": "nearby_atm", "when": "location_near", "within_metres": 300, "channels": ["push", "in_app"],
     "actions": ["service_nearest_atm"], "expires_minutes": 30, "quiet_hours": "send",
     "description": "A customer who shares their location passes near one of our ATMs"},
    {"id": "unfinished_application", "when": "application_unfinished", "after_hours": 24, "channels": ["email", "push", "in_app"],
     "actions": ["advice_finish_application"], "description": "An application started and not submitted within a day"},
    {"id": "stuck_on_a_page", "when": "page_trouble", "channels": ["in_app"], "actions": ["service_page_help"], "expires_minutes": 60,
     "description": "A long time on a page, or an error shown"},
    {"id": "activity_falling", "when": "flag_raised", "flag": "transaction_decline", "channels": ["email", "in_app"],
     "actions": ["retention_check_in"], "description": "Transactions fall well below the customer's own baseline"},
    {"id": "money_in", "when": "money_in", "channels": ["email", "in_app"], "actions": ["advice_money_to_work"],
     "categories": ["savings", "investment"], "description": "A large deposit or a pay rise"},
    {"id": "money_worries", "when": "flag_raised", "flag": "financial_difficulty", "channels": ["in_app", "email"],
     "actions": ["support_money_worries"], "alert_agents": True,
     "description": "A new sign of financial difficulty: offer support and tell the agents"},
]


def load_triggers(workspace: Path | None, catalogue: Catalogue) -> list[Trigger]:
    """The workspace's triggers (or the defaults), checked against the catalogue; every problem at once."""
    path = workspace / TRIGGERS_FILE if workspace else None
    raw: Any = DEFAULTS
    where = "the default triggers"
    if path is not None and path.is_file():
        where = str(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path} is not valid YAML: {error}") from error
        raw = raw.get("triggers", []) if isinstance(raw, dict) else raw
    try:
        triggers = _TRIGGERS.validate_python(raw)
    except ValidationError as error:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ConfigError(f"{where} has {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems)) from error
    problems = []
    seen: set[str] = set()
    for trigger in triggers:
        if trigger.id in seen:
            problems.append(f"{trigger.id}: id: defined twice")
        seen.add(trigger.id)
        problems += [f"{trigger.id}: channels: unknown channel {c!r}; expected one of {', '.join(DELIVERY_CHANNELS)}"
                     for c in trigger.channels if c not in DELIVERY_CHANNELS]
        problems += [f"{trigger.id}: actions: {a!r} is not in the action catalogue" for a in trigger.actions if a not in catalogue.by_id]
        if not trigger.actions and not trigger.categories:
            problems.append(f"{trigger.id}: name actions or categories to choose among")
    if problems:
        raise ConfigError(f"{where} has {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))
    return [t for t in triggers if t.enabled]


def candidates_for(trigger: _Trigger, catalogue: Catalogue) -> frozenset[str]:
    """The actions a trigger's decision may choose among."""
    by_category = {a.id for a in catalogue.actions if a.product and a.product.category in trigger.categories}
    return frozenset(trigger.actions) | by_category


def due_after(trigger: ApplicationUnfinished, started_at: datetime) -> datetime:
    return started_at + timedelta(hours=trigger.after_hours)


def as_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None and value != "" else None
    except InvalidOperation:
        return None
