"""Request and response bodies of the HTTP API (the ``XCreate`` / ``XPublic`` family)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from savile.decide.catalogue import CHANNELS

Scalar = str | int | float | bool | None


class CustomerRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str | None = Field(None, min_length=1, max_length=100)
    source: str | None = Field(None, min_length=1, max_length=100)
    source_customer_id: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_way(self) -> CustomerRef:
        by_source = self.source is not None and self.source_customer_id is not None
        if (self.customer_id is not None) == by_source or (not by_source and (self.source or self.source_customer_id)):
            raise ValueError("give either customer_id, or both source and source_customer_id")
        return self


class DecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: CustomerRef
    channel: str = Field(description=f"one of {', '.join(CHANNELS)}")
    placement: str | None = Field(None, max_length=100, description="where on the channel, e.g. home_banner")
    context: dict[str, Scalar] = Field(default_factory=dict, description="what the channel knows now, e.g. page or amount")
    limit: int = Field(3, ge=1, le=20)
    seed: int | None = Field(None, ge=0, lt=2**32, description="fix the exploration draw (tests, replays)")

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, channel: str) -> str:
        if channel not in CHANNELS:
            raise ValueError(f"must be one of {', '.join(CHANNELS)}; got {channel!r}")
        return channel


class ActionPublic(BaseModel):
    action_id: str
    product_code: str | None
    score: float
    reasons: list[str]
    content: dict[str, str]


class DecisionPublic(BaseModel):
    decision_id: str
    customer_id: str
    actions: list[ActionPublic]


class CatalogueCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actions: list[dict[str, Any]] = Field(min_length=1)


class ProblemPublic(BaseModel):
    file: str
    action: str
    field: str
    message: str


class CatalogueCheckPublic(BaseModel):
    valid: bool
    problems: list[ProblemPublic]
