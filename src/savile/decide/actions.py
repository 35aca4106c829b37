"""What an action is: the schema marketers write in YAML, checked by Pydantic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from savile.decide.conditions import Condition
from savile.decide.content import PLACEHOLDERS

Kind = Literal["offer", "service", "retention", "advice", "support"]
# Marketing (selling, retaining, generic advice) needs a marketing grant on the channel and counts
# against contact caps; service and support messages are part of running the account and of the
# duty of care.
MARKETING_KINDS = frozenset({"offer", "retention", "advice"})
Placeholder = Literal[tuple(PLACEHOLDERS)]  # type: ignore[valid-type]


class Content(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    subject: str = ""
    body: str = Field(min_length=1)
    cta: str = ""


class ContextWeight(BaseModel):
    """Multiply the action's score by ``weight`` when ``when`` holds (e.g. on a page about homes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    when: Condition
    weight: float = Field(gt=0)


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
    kind: Kind
    product_code: str | None = Field(None, description="the product it sells; omitted for actions that sell nothing")
    description: str = ""
    channels: list[str] | None = Field(None, description="channels it may go out on; omitted = every channel")
    content: dict[str, Content] = Field(min_length=1, description="language (BCP 47) -> subject, body, call to action")
    placeholders: list[Placeholder] = Field(default_factory=list)
    eligibility: Condition | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    value: float | None = Field(None, ge=0, description="default: the product's annual_value")
    cooldown_days: int | None = Field(None, ge=0, description="days after a decline before it is offered again; default from the policy")
    impression_cap: int | None = Field(None, gt=0, description="times shown without a response before it stops; default from the policy")
    credit: bool = Field(False, description="lends money; always true when the product is credit")
    generic: bool = Field(False, description="uses no behaviour: allowed without a profiling grant")
    propensity: float | None = Field(None, gt=0, le=1, description="base likelihood of a response for actions no model scores")
    lever: float = Field(1.0, gt=0, description="business weight in arbitration")
    context_weights: list[ContextWeight] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self) -> Action:
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError(f"valid_from {self.valid_from} is after valid_until {self.valid_until}")
        return self


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    category: str
    is_credit: bool
    annual_value: float | None
    min_age: int | None
    max_age: int | None


@dataclass(frozen=True)
class CatalogueAction:
    """An action joined to its product: what the decision engine works with."""

    action: Action
    product: Product | None

    @property
    def id(self) -> str:
        return self.action.id

    @property
    def kind(self) -> str:
        return self.action.kind

    @property
    def is_marketing(self) -> bool:
        return self.action.kind in MARKETING_KINDS

    @property
    def is_credit(self) -> bool:
        return self.action.credit or bool(self.product and self.product.is_credit)

    def value(self, default: float) -> float:
        if self.action.value is not None:
            return self.action.value
        if self.product and self.product.annual_value is not None:
            return self.product.annual_value
        return default
